"""The library's WeChat Official Account: logging in from WeChat, template messages, JS-SDK."""
