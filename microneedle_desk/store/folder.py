"""Whether a data folder, or a file to write, can be used, said in one sentence when not.

The command line and the app ask here before they touch a folder, so a folder that is a
file, sits inside a file, has a name the system refuses, belongs to another user or is
read-only is named as such, with what to do, instead of ending in an OS error.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from microneedle_desk.i18n import tr
from microneedle_desk.store.storage import ensure_private_dir

NAME_MAX = 255  # bytes per name on the file systems a clinic uses (ext4, APFS, NTFS)


class FolderError(Exception):
    """A folder or file that cannot be used; ``str()`` is one sentence for a person.

    ``usage`` marks a mistake in how the folder was named (an empty or unreadable name),
    which a command answers with its usage exit code.
    """

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


def os_user() -> str:
    """The OS user running this process (the access log names command-line uses by it)."""
    import getpass  # here: the app's start-up does not need it (with termios)  # noqa: PLC0415 (kept off the start-up path until first used)

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "(unknown OS user)"


def _user() -> str:
    return os_user()


def _owner(path: Path) -> str:
    try:
        uid = path.stat().st_uid
    except OSError:
        return ""
    try:
        import pwd  # noqa: PLC0415 (kept off the start-up path until first used)

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def shown(path: str | os.PathLike[str]) -> str:
    """``path`` as it can be printed, also when its name is not valid text."""
    return os.fsencode(path).decode("utf-8", "replace")


def name_problem(text: str) -> FolderError | None:
    """What is wrong with ``text`` given as a data folder's name, or None."""
    if not text.strip():
        return FolderError(tr("--data-dir was given an empty name: give the data folder's path, or leave "
                              "the option out to use the usual folder."), usage=True)
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        return FolderError(tr("The data folder name “{path}” is not valid UTF-8 text: choose a folder whose "
                              "name is made of ordinary characters.").format(path=shown(text)), usage=True)
    longest = max((len(part) for part in raw.split(b"/")), default=0)
    if longest > NAME_MAX:
        return FolderError(tr("A name in the data folder path is {n} bytes long; this system allows {limit} per "
                              "name: choose a shorter folder name.").format(n=longest, limit=NAME_MAX), usage=True)
    return None


def _nearest_existing(path: Path) -> Path:
    folder = path
    while True:
        try:
            os.lstat(folder)
            return folder
        except FileNotFoundError:
            if folder.parent == folder:
                return folder
            folder = folder.parent


def read_problem(root: Path) -> FolderError | None:
    """Why the data folder ``root`` cannot be read, or None (also None when it does not exist
    yet and could be made: whether a missing folder is a mistake is the command's to say)."""
    try:
        info = os.stat(root)
    except FileNotFoundError:
        above = _nearest_existing(root)
        if above.exists() and not above.is_dir():
            return FolderError(tr("The data folder {path} cannot be made: {file} is a file, not a folder. "
                                  "Choose a folder that is not inside a file.").format(
                                      path=shown(root), file=shown(above)))
        return None
    except NotADirectoryError:
        return read_problem_not_dir(root)
    except PermissionError:
        return FolderError(tr("The data folder {path} cannot be reached by user {user}: a folder on the way "
                              "to it is closed to them. Run this as the user who owns the data, or choose "
                              "another folder.").format(path=shown(root), user=_user()))
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return FolderError(tr("The data folder path {path} is longer than this system allows: choose a "
                                  "shorter one.").format(path=shown(root)), usage=True)
        return FolderError(tr("The data folder {path} cannot be used: {why}. Choose another folder.").format(
            path=shown(root), why=exc.strerror or exc))
    if not stat.S_ISDIR(info.st_mode):
        return FolderError(tr("{path} is a file, not a folder: give --data-dir a folder (a new name makes a new "
                              "one).").format(path=shown(root)))
    if not os.access(root, os.R_OK | os.X_OK):
        owner = _owner(root)
        return FolderError(tr("The data folder {path} belongs to user {owner} and cannot be read by user {user}: "
                              "run this as {owner}, or ask them to share the records through a backup.").format(
                                  path=shown(root), owner=owner, user=_user()))
    return None


def read_problem_not_dir(root: Path) -> FolderError:
    above = root.parent
    while above != above.parent and not above.is_file():
        above = above.parent
    return FolderError(tr("The data folder {path} cannot be made: {file} is a file, not a folder. Choose a "
                          "folder that is not inside a file.").format(path=shown(root), file=shown(above)))


def is_read_only(root: Path) -> bool:
    """True when ``root`` exists and this user cannot write in it (its mode, its owner, or a
    read-only disk)."""
    return root.is_dir() and not os.access(root, os.W_OK | os.X_OK)


def read_only_sentence(root: Path) -> str:
    return tr("The data folder {path} is read-only for user {user}: records can be looked at but nothing "
              "can be saved. To write, make it writable (or run as its owner, {owner}).").format(
                  path=shown(root), user=_user(), owner=_owner(root) or tr("unknown"))


def file_unreadable_sentence(path: str | os.PathLike[str]) -> str:
    return tr("{path} cannot be read by user {user} (permission denied): run this as the user who owns it, "
              "or copy it somewhere they can read.").format(path=shown(path), user=_user())


def output_problem(path: str | os.PathLike[str]) -> FolderError | None:
    """Why ``path`` must not be written as a new regular file, or None.

    Writing replaces the file by a rename: a device, a pipe or a symbolic link at that path
    would be replaced by a plain file, so those are refused, as is a folder.
    """
    target = Path(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        if not target.parent.is_dir():
            return FolderError(tr("{path} could not be written: the folder {folder} does not exist. Create it "
                                  "first, or write somewhere else.").format(path=shown(target),
                                                                            folder=shown(target.parent)))
        return None
    except OSError as exc:
        return FolderError(tr("{path} cannot be written: {why}.").format(path=shown(target),
                                                                          why=exc.strerror or exc))
    if stat.S_ISLNK(info.st_mode):
        kind = tr("a symbolic link")
    elif stat.S_ISDIR(info.st_mode):
        kind = tr("a folder")
    elif stat.S_ISFIFO(info.st_mode):
        kind = tr("a named pipe")
    elif stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
        kind = tr("a device")
    elif not stat.S_ISREG(info.st_mode):
        kind = tr("not a regular file")
    else:
        return None
    return FolderError(tr("{path} is {kind}, which would be replaced by a plain file: give the name of a new "
                          "or ordinary file.").format(path=shown(target), kind=kind))


def writing_problem(root: Path) -> str | None:
    """Make ``root`` (private, as the store keeps it) for writing, or say in one sentence
    why it cannot be written. A read-only folder is left as it is: its mode is never
    changed to make it writable."""
    problem = read_problem(root)
    if problem is not None:
        return str(problem)
    if is_read_only(root):
        return read_only_sentence(root)
    try:
        ensure_private_dir(root)
    except OSError as exc:
        if exc.errno == errno.EROFS:
            return read_only_sentence(root)
        return tr("The data folder {path} cannot be prepared for writing: {why}. Run this as the user who owns "
                  "it ({owner}), or choose another folder.").format(
                      path=shown(root), why=exc.strerror or exc, owner=_owner(root) or tr("unknown"))
    return None


class UnsafeOutput(OSError):
    """A file to write that must not be replaced (see :func:`output_problem`). An OSError, so
    every caller that reports a failed write reports this; ``str()`` is one sentence."""


def refuse_unsafe_output(path: str | os.PathLike[str]) -> None:
    """Raise UnsafeOutput when ``path`` must not be written as a new regular file."""
    problem = output_problem(path)
    if problem is not None:
        raise UnsafeOutput(str(problem))
