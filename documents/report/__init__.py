"""The consolidated report: its wording, the .docx in Nghị định 30 layout, Markdown and HTML."""

import warnings

# pyHanko (signing.py) imports cryptography's DSA key types, deprecated since cryptography 51;
# the report is signed with RSA, never DSA, so the warning says nothing to cchc's users.
warnings.filterwarnings("ignore", message="DSA is deprecated", module="pyhanko")
