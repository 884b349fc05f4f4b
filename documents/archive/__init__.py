"""A plan's record (hồ sơ công việc): its index, Mục lục hồ sơ, as .xlsx and .docx."""
