#!/usr/bin/env python3
"""
A test-only FUSE filesystem that forgets what was not fsynced, as a disk does when the
power is cut (after Jepsen's LazyFS).

    volatile_fs.py STORE MOUNTPOINT

File data goes to STORE/<node id> at once (so every process sees it, as through the page
cache), but it only becomes durable when the file is fsynced; a new, renamed or removed
directory entry only when its directory is fsynced. Writing `powerloss` to the control file
MOUNTPOINT/.volatile-fs discards everything that was not durable, writes a report to
STORE/powerloss.json and turns the filesystem dead (every operation fails with EIO) until it
is unmounted; the next mount of STORE starts from what survived, as a machine does after
the power comes back. `powerloss tear SEED` instead keeps a random part of the unsynced file
pages and, per file, the old or the new size (writes reordered and torn at page grain, as a
disk cache may); directory changes that were not synced are always lost.

How: every write first saves the old content of each page it touches (once per page between
two fsyncs) as long as that page was durable; fsync forgets the saved pages. A power loss
puts them back and truncates to the size at the last fsync. The namespace lives in memory:
each directory has the entries processes see and the entries that are durable, which fsync
of the directory makes equal. A file stays in STORE while any of them, or an open handle,
refers to it. Single-threaded (fusepy nothreads): operations never run at once. The state and
the power cut itself are in power_cut.py.
"""
import errno
import os
import stat
import sys
import time

from power_cut import PAGE, Dir, DurableState, File

try:
    import fusepy as fuse  # Debian's python3-fusepy
except ImportError:  # pip's fusepy
    import fuse

CONTROL = '/.volatile-fs'
CONTROL_FH = 1 << 62


def fail(code):
    return fuse.FuseOSError(code)


class VolatileFs(DurableState, fuse.Operations):
    use_ns = True

    def __init__(self, store):
        self.store = store
        self.nodes = {}
        self.handles = {}
        self.next_fh = 1
        self.dead = False
        self.stats = {'fsyncs': 0, 'dir_fsyncs': 0, 'writes': 0}
        self.load()

    def data(self, nid):
        return os.path.join(self.store, str(nid))

    # -- namespace --
    def alive(self):
        if self.dead:
            raise fail(errno.EIO)

    def lookup(self, path):
        n = self.root
        for part in path.strip('/').split('/'):
            if not part:
                continue
            if not isinstance(n, Dir):
                raise fail(errno.ENOTDIR)
            n = n.entries.get(part)
            if n is None:
                raise fail(errno.ENOENT)
        return n

    def parent(self, path):
        head, name = os.path.split(path.rstrip('/'))
        d = self.lookup(head or '/')
        if not isinstance(d, Dir):
            raise fail(errno.ENOTDIR)
        return d, name

    def new_id(self):
        nid = self.next_id
        self.next_id += 1
        return nid

    def link_entry(self, d, name, node):
        old = d.entries.get(name)
        d.entries[name] = node
        node.links += 1
        d.mtime = time.time()
        if old is not None:
            old.links -= 1
            self.collect(old)

    def unlink_entry(self, d, name):
        node = d.entries.pop(name)
        node.links -= 1
        d.mtime = time.time()
        self.collect(node)

    def collect(self, node):
        """Drops a file nobody can reach any more, visibly or after a power loss."""
        if isinstance(node, File) and node.links == 0 and node.durable_links == 0 and node.opened == 0:
            self.nodes.pop(node.id, None)
            try:
                os.unlink(self.data(node.id))
            except FileNotFoundError:
                pass

    # -- attributes --
    def getattr(self, path, fh=None):
        if path == CONTROL:
            return {'st_mode': stat.S_IFREG | 0o600, 'st_nlink': 1, 'st_size': 0, 'st_ino': 1 << 40}
        if self.dead and path != '/':
            raise fail(errno.EIO)
        node = self.handles[fh][0] if fh in self.handles else self.lookup(path)
        if isinstance(node, Dir):
            t = int(node.mtime * 1e9)
            subdirs = sum(1 for c in node.entries.values() if isinstance(c, Dir))
            return {'st_mode': stat.S_IFDIR | node.mode, 'st_nlink': 2 + subdirs, 'st_size': 4096, 'st_ino': node.id,
                    'st_uid': os.getuid(), 'st_gid': os.getgid(), 'st_atime': t, 'st_mtime': t, 'st_ctime': t}
        st = os.lstat(self.data(node.id))
        return {'st_mode': st.st_mode, 'st_nlink': max(node.links, 0), 'st_size': st.st_size, 'st_ino': node.id,
                'st_uid': st.st_uid, 'st_gid': st.st_gid, 'st_blocks': st.st_blocks,
                'st_atime': st.st_atime_ns, 'st_mtime': st.st_mtime_ns, 'st_ctime': st.st_ctime_ns}

    def chmod(self, path, mode):
        self.alive()
        node = self.lookup(path)
        if isinstance(node, Dir):
            node.mode = stat.S_IMODE(mode)
        else:
            os.chmod(self.data(node.id), stat.S_IMODE(mode))

    def chown(self, path, uid, gid):
        self.alive()
        node = self.lookup(path)
        if isinstance(node, File):
            os.chown(self.data(node.id), uid, gid)

    def utimens(self, path, times=None):
        self.alive()
        node = self.lookup(path)
        if isinstance(node, File):
            os.utime(self.data(node.id), ns=times) if times else os.utime(self.data(node.id))

    def statfs(self, path):
        s = os.statvfs(self.store)
        return {k: getattr(s, k) for k in ('f_bsize', 'f_frsize', 'f_blocks', 'f_bfree', 'f_bavail', 'f_files', 'f_ffree', 'f_namemax')}

    # -- directories --
    def mkdir(self, path, mode):
        self.alive()
        d, name = self.parent(path)
        if name in d.entries:
            raise fail(errno.EEXIST)
        node = Dir(self.new_id(), stat.S_IMODE(mode))
        self.nodes[node.id] = node
        self.link_entry(d, name, node)

    def rmdir(self, path):
        self.alive()
        d, name = self.parent(path)
        node = self.lookup(path)
        if not isinstance(node, Dir):
            raise fail(errno.ENOTDIR)
        if node.entries:
            raise fail(errno.ENOTEMPTY)
        self.unlink_entry(d, name)

    def readdir(self, path, fh):
        self.alive()
        node = self.handles[fh][0] if fh in self.handles else self.lookup(path)
        names = ['.', '..'] + list(node.entries)
        return names + ['.volatile-fs'] if node is self.root else names

    def opendir(self, path):
        self.alive()
        return self.handle(self.lookup(path), None)

    def releasedir(self, path, fh):
        self.release(path, fh)

    def fsyncdir(self, path, datasync, fh):
        self.alive()
        d = self.handles[fh][0]
        for c in d.durable.values():
            c.durable_links -= 1
        d.durable = dict(d.entries)
        for c in d.durable.values():
            c.durable_links += 1
        self.stats['dir_fsyncs'] += 1

    def rename(self, old, new):
        self.alive()
        if old == CONTROL or new == CONTROL:
            raise fail(errno.EPERM)
        sd, sname = self.parent(old)
        td, tname = self.parent(new)
        node = self.lookup(old)
        target = td.entries.get(tname)
        if target is node:
            return
        if isinstance(target, Dir):
            if not isinstance(node, Dir):
                raise fail(errno.EISDIR)
            if target.entries:
                raise fail(errno.ENOTEMPTY)
        self.link_entry(td, tname, node)
        self.unlink_entry(sd, sname)

    def unlink(self, path):
        self.alive()
        d, name = self.parent(path)
        if isinstance(d.entries.get(name), Dir):
            raise fail(errno.EISDIR)
        if name not in d.entries:
            raise fail(errno.ENOENT)
        self.unlink_entry(d, name)

    def link(self, target, source):
        self.alive()
        node = self.lookup(source)
        d, name = self.parent(target)
        if name in d.entries:
            raise fail(errno.EEXIST)
        self.link_entry(d, name, node)

    # -- files --
    def handle(self, node, fd):
        fh = self.next_fh
        self.next_fh += 1
        self.handles[fh] = (node, fd)
        node.opened += 1
        return fh

    def create(self, path, mode, fi=None):
        self.alive()
        d, name = self.parent(path)
        node = d.entries.get(name)
        if node is None:
            node = File(self.new_id())
            self.nodes[node.id] = node
            os.close(os.open(self.data(node.id), os.O_CREAT | os.O_EXCL | os.O_RDWR, stat.S_IMODE(mode)))
            self.link_entry(d, name, node)
        return self.handle(node, os.open(self.data(node.id), os.O_RDWR))

    def open(self, path, flags):
        if path == CONTROL:
            return CONTROL_FH
        self.alive()
        node = self.lookup(path)
        if isinstance(node, Dir):
            raise fail(errno.EISDIR)
        return self.handle(node, os.open(self.data(node.id), os.O_RDWR))

    def release(self, path, fh):
        entry = self.handles.pop(fh, None)
        if entry is None:
            return
        node, fd = entry
        if fd is not None:
            os.close(fd)
        node.opened -= 1
        self.collect(node)

    def flush(self, path, fh):
        return 0

    def read(self, path, size, offset, fh):
        self.alive()
        return os.pread(self.handles[fh][1], size, offset)

    def remember(self, node, fd, start, end):
        """Saves the durable content of the pages in [start, end) before they change."""
        for p in range(start // PAGE, (end + PAGE - 1) // PAGE):
            if p in node.dirty:
                continue
            node.dirty.add(p)
            if p * PAGE < node.durable_size:
                node.saved[p] = os.pread(fd, min(PAGE, node.durable_size - p * PAGE), p * PAGE)

    def write(self, path, data, offset, fh):
        if fh == CONTROL_FH:
            self.control(data.decode().split())
            return len(data)
        self.alive()
        node, fd = self.handles[fh]
        self.remember(node, fd, offset, offset + len(data))
        self.stats['writes'] += 1
        return os.pwrite(fd, data, offset)

    def truncate(self, path, length, fh=None):
        if path == CONTROL or fh == CONTROL_FH:
            return 0
        self.alive()
        node = self.handles[fh][0] if fh in self.handles else self.lookup(path)
        if isinstance(node, Dir):
            raise fail(errno.EISDIR)
        fd = os.open(self.data(node.id), os.O_RDWR)
        try:
            size = os.fstat(fd).st_size
            self.remember(node, fd, min(size, length), max(size, length))
            os.ftruncate(fd, length)
        finally:
            os.close(fd)

    def fsync(self, path, datasync, fh):
        if fh == CONTROL_FH:
            return 0
        self.alive()
        node, fd = self.handles[fh]
        node.durable_size = os.fstat(fd).st_size
        node.saved.clear()
        node.dirty.clear()
        self.stats['fsyncs'] += 1

    def destroy(self, path):
        # A clean unmount is a clean shutdown: everything visible is on the disk.
        if not self.dead:
            self.save()


def main():
    store, mountpoint = sys.argv[1], sys.argv[2]
    os.makedirs(store, exist_ok=True)
    fs = VolatileFs(store)

    def ready(path):
        print('ready', flush=True)

    fs.init = ready
    # No kernel caching of names or attributes: after a power loss the next mount starts
    # afresh anyway, but a size or entry must never be served from a stale cache.
    fuse.FUSE(fs, mountpoint, foreground=True, nothreads=True, use_ino=True, hard_remove=True, big_writes=True,
              max_write=131072, attr_timeout=0, entry_timeout=0, negative_timeout=0, fsname='volatile-fs')


if __name__ == '__main__':
    main()
