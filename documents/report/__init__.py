"""The consolidated report: its wording, the .docx in Nghị định 30 layout, Markdown and HTML."""
