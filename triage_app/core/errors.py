"""The one family of errors a person can act on; anything else is a bug."""


class TriageError(Exception):
    """A problem the user can understand and act on; its message is one plain line."""


class UsageError(TriageError):
    """The command or request itself is wrong (CLI exit status 2)."""


class PermissionRefused(TriageError):
    """The user's role does not allow the action; the message names the role needed."""


class StoreVersionError(TriageError):
    """The store was written by a newer version of the program."""


class WrongKeyError(TriageError):
    """The store cannot be opened with the key given, or the file is damaged."""

    def __init__(self, message: str = "wrong key or damaged store") -> None:
        super().__init__(message)


class UnreadableFileError(TriageError):
    """A whole input file cannot be read (missing, unknown format, not text, truncated)."""
