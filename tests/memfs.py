"""memfs://: a Beam filesystem kept in this process's memory, for tests that must prove the
pipeline writes only through Beam's FileSystems (as it must on gs:// or s3://)."""
import io
import time

from apache_beam.io.filesystem import BeamIOError, FileMetadata, FileSystem

STORE = {}   # path -> bytes


class _Writer(io.BytesIO):
    def __init__(self, path):
        super().__init__()
        self.path = path

    def close(self):
        STORE[self.path] = self.getvalue()
        super().close()


class MemFileSystem(FileSystem):
    """Flat keys, no folders (like an object store)."""

    @classmethod
    def scheme(cls):
        return "memfs"

    def join(self, basepath, *paths):
        return "/".join([basepath.rstrip("/")] + [p.strip("/") for p in paths])

    def split(self, path):
        head, _, tail = path.rstrip("/").rpartition("/")
        return head, tail

    def mkdirs(self, path):
        pass

    def has_dirs(self):
        return False

    def _list(self, dir_or_prefix):
        for path, data in list(STORE.items()):
            if path.startswith(dir_or_prefix):
                yield FileMetadata(path, len(data), time.time())

    def create(self, path, mime_type="application/octet-stream", compression_type=None):
        return _Writer(path)

    def open(self, path, mime_type="application/octet-stream", compression_type=None):
        if path not in STORE:
            raise BeamIOError("not found", {path: FileNotFoundError(path)})
        return io.BytesIO(STORE[path])

    def copy(self, source_file_names, destination_file_names):
        for src, dst in zip(source_file_names, destination_file_names):
            STORE[dst] = STORE[src]

    def rename(self, source_file_names, destination_file_names):
        errors = {}
        for src, dst in zip(source_file_names, destination_file_names):
            if src in STORE:
                STORE[dst] = STORE.pop(src)
            else:
                errors[(src, dst)] = FileNotFoundError(src)
        if errors:
            raise BeamIOError("rename failed", errors)

    def exists(self, path):
        return path in STORE or any(p.startswith(path.rstrip("/") + "/") for p in STORE)

    def size(self, path):
        return len(STORE[path])

    def last_updated(self, path):
        return time.time()

    def checksum(self, path):
        return str(hash(STORE[path]))

    def metadata(self, path):
        return FileMetadata(path, len(STORE[path]), time.time())

    def delete(self, paths):
        for path in paths:
            prefix = path.rstrip("/") + "/"
            for key in [k for k in STORE if k == path or k.startswith(prefix)]:
                del STORE[key]
