import pytest
from cryptography.fernet import Fernet

ID_NUMBER = "11010519491231002X"  # a valid GB 11643 number (check character X)
OTHER_ID_NUMBER = "440304200002291535"


@pytest.fixture
def identity_key(app, monkeypatch):
    """The library configured a key and asks for ID numbers in its national export."""
    key = Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "IDENTITY_ENCRYPTION_KEY", key)
    monkeypatch.setitem(app.config, "NATIONAL_EXPORT_ID_NUMBER", True)
    return key
