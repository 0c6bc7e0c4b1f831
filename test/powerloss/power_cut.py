"""
The state behind volatile_fs.py: what processes see and what is durable, per file and per
directory, and the power cut that throws away the difference. Also the namespace kept in
STORE/namespace.json across mounts: after a power cut or a clean unmount, all of it is durable.
"""
import errno
import json
import os
import random
import time

PAGE = 4096


class File:
    def __init__(self, nid):
        self.id = nid
        self.links = 0          # visible entries naming it
        self.durable_links = 0  # durable entries naming it
        self.opened = 0
        self.durable_size = 0
        self.saved = {}         # page -> bytes as of the last fsync (pages below durable_size)
        self.dirty = set()      # pages written since the last fsync


class Dir:
    def __init__(self, nid, mode=0o755):
        self.id = nid
        self.mode = mode
        self.entries = {}
        self.durable = {}
        self.links = 0
        self.durable_links = 0
        self.opened = 0
        self.mtime = time.time()


class DurableState:
    """Mixed into VolatileFs: needs self.store, self.nodes, self.root, self.next_id, self.stats, self.data()."""

    # -- persistence across mounts: after a power loss or a clean unmount, all is durable --
    def load(self):
        meta = os.path.join(self.store, 'namespace.json')
        if not os.path.exists(meta):
            self.next_id = 2
            self.root = Dir(1)
            self.nodes[1] = self.root
            return
        with open(meta) as f:
            m = json.load(f)
        self.next_id = m['next_id']
        for nid, n in m['nodes'].items():
            nid = int(nid)
            if n['type'] == 'dir':
                d = Dir(nid, n['mode'])
                d.entries = {k: v for k, v in n['entries'].items()}
                self.nodes[nid] = d
            else:
                f = File(nid)
                f.durable_size = os.stat(self.data(nid)).st_size
                self.nodes[nid] = f
        for n in list(self.nodes.values()):
            if isinstance(n, Dir):
                n.entries = {k: self.nodes[v] for k, v in n.entries.items()}
                n.durable = dict(n.entries)
                for c in n.entries.values():
                    c.links += 1
                    c.durable_links += 1
        self.root = self.nodes[m['root']]

    def save(self):
        nodes = {}
        for n in self.reachable(lambda d: d.entries):
            nodes[n.id] = {'type': 'dir', 'mode': n.mode, 'entries': {k: c.id for k, c in n.entries.items()}} if isinstance(n, Dir) else {'type': 'file'}
        with open(os.path.join(self.store, 'namespace.json'), 'w') as f:
            json.dump({'next_id': self.next_id, 'root': self.root.id, 'nodes': nodes}, f)

    def reachable(self, entries_of):
        seen, todo = {}, [self.root]
        while todo:
            n = todo.pop()
            if n.id in seen:
                continue
            seen[n.id] = n
            if isinstance(n, Dir):
                todo.extend(entries_of(n).values())
        return list(seen.values())

    # -- the power cut --
    def control(self, words):
        if not words or words[0] != 'powerloss':
            raise OSError(errno.EINVAL, 'unknown command')
        tear = len(words) > 1 and words[1] == 'tear'
        rng = random.Random(int(words[2]) if len(words) > 2 else None)
        report = dict(self.stats, lost_entries=[], revived_entries=[], files_reverted=0, pages_dropped=0, pages_kept=0, tear=tear)
        self.dead = True
        # Namespace first: what a process saw but never fsynced in its directory is gone.
        for d in self.reachable(lambda d: d.durable):
            if not isinstance(d, Dir):
                continue
            for name, c in d.entries.items():
                if d.durable.get(name) is not c:
                    report['lost_entries'].append(name)
            for name, c in d.durable.items():
                if d.entries.get(name) is not c:
                    report['revived_entries'].append(name)
        survivors = self.reachable(lambda d: d.durable)
        for n in survivors:
            if isinstance(n, File):
                self.revert(n, tear, rng, report)
        keep = {n.id for n in survivors}
        for nid, n in list(self.nodes.items()):
            if nid in keep:
                if isinstance(n, Dir):
                    n.entries = dict(n.durable)
            elif isinstance(n, File):
                try:
                    os.unlink(self.data(nid))
                except FileNotFoundError:
                    pass
        self.save()
        with open(os.path.join(self.store, 'powerloss.json'), 'w') as f:
            json.dump(report, f)

    def revert(self, node, tear, rng, report):
        if not node.dirty and os.stat(self.data(node.id)).st_size == node.durable_size:
            return
        report['files_reverted'] += 1
        fd = os.open(self.data(node.id), os.O_RDWR)
        try:
            size = node.durable_size
            if tear and rng.random() < 0.5:
                size = os.fstat(fd).st_size
            os.ftruncate(fd, size)
            for p in sorted(node.dirty):
                if p * PAGE >= size:
                    continue
                if tear and rng.random() < 0.5:
                    report['pages_kept'] += 1
                    continue
                report['pages_dropped'] += 1
                # The old content, cut to the size that survives (the new size may be the
                # shorter one: a file truncated since its last fsync), zeros where it was a hole.
                n = min(PAGE, size - p * PAGE)
                old = node.saved.get(p, b'')[:n]
                os.pwrite(fd, old + bytes(n - len(old)), p * PAGE)
        finally:
            os.close(fd)
