"""The user guide (用户指南), served from the Markdown in docs/guide/."""
