"""Writing into a catalog folder: one locked transaction, staged files, renames, undo.

Every write goes through :func:`catalog_transaction`: a lock on the folder serialises
writers (two adds of one id end with one layer and one clear error), stale temporaries of a
killed run are removed, and a :class:`CatalogWriter` stages each file in the target folder,
flushes it to disk and renames it into place, the metadata last (the file that makes a layer
visible). A failure puts back what was there: no lock file, no new empty folder, no temporary
file is left, and every OS error (disk full, read-only, no permission) is one line saying what
and where (:func:`write_error`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from regionmap.problems import CatalogError
from regionmap.tiles import archive_for, remove_archive

__all__ = ["CatalogWriter", "Cutter", "WriteError", "catalog_transaction", "write_error"]


class WriteError(CatalogError):
    """The operating system refused a write (disk full, read-only, no permission, ...)."""


#: Stages a layer's archive from its staged GeoJSON; yields the archive's commit.
Cutter = Callable[[Path, Path], contextlib.AbstractContextManager[Callable[[], None]]]


def write_error(exc: OSError, path: Path, folder: Path, doing: str) -> WriteError:
    """A one-line message for an OS error: what, where and the reason."""
    try:
        shown = path.relative_to(folder)
    except ValueError:
        shown = path
    code = errno.errorcode.get(exc.errno or 0, "")
    reason = f"{exc.strerror or exc}" + (f" ({code})" if code else "")
    hints = {
        errno.ENOSPC: "free some disk space and try again",
        errno.EDQUOT: "free some of your disk quota and try again",
        errno.EROFS: "the catalog is on a read-only file system; choose another --catalog",
        errno.EACCES: "you may not write there; fix the folder's permissions or choose "
        "another --catalog",
        errno.EPERM: "you may not write there; fix the folder's permissions or choose "
        "another --catalog",
    }
    hint = hints.get(exc.errno or 0, "check the folder and try again")
    return WriteError(f"cannot {doing} {shown} in {folder}: {reason}; nothing was written ({hint})")


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class CatalogWriter:
    """Writes a layer's two files under the catalog lock, undoing everything on failure."""

    def __init__(self, folder: Path, mode: int) -> None:
        self.folder = folder
        self.mode = mode

    def write_pair(
        self,
        data_path: Path,
        data_text: str | bytes | list[bytes],
        meta_path: Path,
        meta_text: str,
        cut: Cutter | None = None,
    ) -> None:
        """Stage both files, then rename data and metadata into place (metadata last).

        If the metadata rename fails, the data file is put back as it was (or removed), so
        the catalog ends byte for byte as it began. With ``cut``, the layer's tiles are cut
        from the staged data before anything is renamed (a failed cut writes nothing) and
        renamed into place last; without it, an archive of the layer's old data is removed.
        """
        with (
            _staged(data_path, data_text, self.mode, self.folder) as (commit_data, staged),
            _staged(meta_path, meta_text, self.mode, self.folder) as (commit_meta, _),
            cut(staged, archive_for(data_path)) if cut else contextlib.nullcontext() as tiles,
        ):
            backup = _backup(data_path, self.folder)
            try:
                commit_data()
                try:
                    commit_meta()
                except BaseException:
                    _restore(data_path, backup)
                    backup = None
                    raise
            finally:
                if backup is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(backup)
            # The archive is derived data, keyed by the GeoJSON's hash: committed after the
            # layer, a failure here leaves a valid layer whose tiles read as missing.
            try:
                if tiles is not None:
                    tiles()
                else:
                    remove_archive(data_path)
            except OSError as exc:
                raise write_error(exc, archive_for(data_path), self.folder, "write") from None
        _sync_dir(data_path.parent)
        _sync_dir(meta_path.parent)


def _backup(path: Path, folder: Path) -> Path | None:
    """A hard link to the file about to be replaced (None if there is none)."""
    if not path.exists():
        return None
    backup = path.with_name(f".{path.name}.{os.getpid()}.backup.tmp")
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(backup)
        os.link(path, backup)
    except OSError as exc:
        raise write_error(exc, path, folder, "keep a copy of") from None
    return backup


def _restore(path: Path, backup: Path | None) -> None:
    """Put the replaced file back, or remove the new one if there was none."""
    with contextlib.suppress(OSError):
        if backup is None:
            os.unlink(path)
        else:
            os.replace(backup, path)


def _sync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def catalog_transaction(folder: Path) -> Iterator[CatalogWriter]:
    """Lock the catalog folder; create layers/ and data/; undo all of it if anything fails.

    The lock is an ``flock`` on the catalog folder itself, so no lock file is left behind.
    Folders this add creates are removed again when it fails (if still empty), and hidden
    temporary files that a killed add left are removed while the lock is held (no other
    add can be writing then). Every OS error becomes a :class:`WriteError`.
    """
    created: list[Path] = []
    fd = _lock_folder(folder, created)
    ok = False
    try:
        for sub in ("layers", "data"):
            path = folder / sub
            if not path.is_dir():
                try:
                    path.mkdir()
                except FileExistsError:
                    pass
                except OSError as exc:
                    raise write_error(exc, path, folder, "create the folder") from None
                else:
                    created.append(path)
        _remove_stale_temporaries(folder)
        yield CatalogWriter(folder, 0o666 & ~_umask())
        ok = True
    finally:
        if not ok:
            for path in reversed(created):
                with contextlib.suppress(OSError):
                    path.rmdir()  # only if empty: never removes anything of the user's
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _lock_folder(folder: Path, created: list[Path]) -> int:
    """Create the catalog folder if needed and hold an exclusive lock on it; return the fd."""
    for _ in range(20):
        missing = [p for p in (folder, *folder.parents) if not p.exists()]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            raise write_error(exc, folder, folder.parent, "create the catalog folder") from None
        created[:0] = [p for p in reversed(missing) if p not in created]
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(folder))
        except OSError:
            same = False
        if same:
            return fd
        # A failing add removed the folder while this one waited: lock the new one instead.
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    raise WriteError(f"cannot lock the catalog folder {folder}: it keeps being replaced")


def _remove_stale_temporaries(folder: Path) -> None:
    """Remove the hidden ``.<name>.*.tmp`` files of adds that were killed mid-write."""
    for sub in ("layers", "data"):
        with contextlib.suppress(OSError):
            for path in (folder / sub).glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    if path.is_dir() and not path.is_symlink():
                        shutil.rmtree(path)  # a killed tile cut's work folder
                    else:
                        path.unlink()


@contextlib.contextmanager
def _staged(
    target: Path, text: str | bytes | list[bytes], mode: int, folder: Path
) -> Iterator[tuple[Callable[[], None], Path]]:
    """Write text to a hidden temporary file beside target; yield its renaming and its path.

    ``text`` given as a one-item list is emptied once read, so the caller's copy of a big
    layer's bytes is not held while the layer's tiles are cut from the staged file.

    The file gets the mode the umask allows (as any new file would), is flushed to disk,
    and is removed if the rename never happens, so a failure leaves no trace; a killed
    process may leave a hidden ``.<name>.*.tmp`` file, which the next add removes.
    """
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise write_error(exc, target, folder, "write") from None
    committed = False
    try:
        try:
            os.fchmod(fd, mode)
            data = text.pop() if isinstance(text, list) else text
            with os.fdopen(fd, "wb") as handle:
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
                handle.flush()
                os.fsync(handle.fileno())
            del data
        except OSError as exc:
            raise write_error(exc, target, folder, "write") from None

        def commit() -> None:
            nonlocal committed
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise write_error(exc, target, folder, "write") from None
            committed = True

        yield commit, Path(tmp)
    finally:
        if not committed:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
