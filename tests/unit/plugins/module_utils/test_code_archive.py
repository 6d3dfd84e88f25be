"""Deterministic, content-addressed code archives."""

import hashlib
import os
import tarfile

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils import code_archive


def make_tree(root, mtime):
    files = {
        "pyproject.toml": "[project]\nname = 'x'\n",
        "src/pkg/__init__.py": "",
        "src/pkg/train.py": "print('train')\n" * 100,
        "scripts/run.sh": "#!/bin/sh\necho run\n",
        ".git/HEAD": "ref: refs/heads/main\n",
        "src/pkg/__pycache__/train.cpython-311.pyc": "junk",
        ".venv/bin/python": "junk",
        "data/big.bin": "x" * 10,
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    os.chmod(root / "scripts/run.sh", 0o775)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + dirnames:
            os.utime(os.path.join(dirpath, name), (mtime, mtime))
    return root


def test_same_contents_give_the_same_name_and_bytes_whatever_the_mtimes_and_location(tmp_path):
    a = make_tree(tmp_path / "a", 1_600_000_000)
    b = make_tree(tmp_path / "b", 1_700_000_000)
    first = code_archive.build(str(a), str(tmp_path / "out-a"))
    second = code_archive.build(str(b), str(tmp_path / "out-b"))
    assert first.digest == second.digest
    assert first.name == first.digest + ".tar.gz"
    assert open(first.path, "rb").read() == open(second.path, "rb").read()
    assert first.archive_sha256 == hashlib.sha256(open(first.path, "rb").read()).hexdigest()
    assert code_archive.describe(str(a)).digest == first.digest  # check mode computes the same name


def test_entries_are_sorted_normalised_and_excluded(tmp_path):
    tree = make_tree(tmp_path / "src", 1_650_000_000)
    archive = code_archive.build(str(tree), str(tmp_path / "out"), code_archive.DEFAULT_EXCLUDES + ("data/*",))
    with tarfile.open(archive.path) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert ".git/HEAD" not in names and not any("__pycache__" in n or ".venv" in n for n in names)
    assert "data/big.bin" not in names and "src/pkg/train.py" in names
    assert {m.mtime for m in members} == {code_archive.FIXED_MTIME}
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, "", "")}
    modes = {m.name: m.mode for m in members}
    assert modes["scripts/run.sh"] == 0o755 and modes["pyproject.toml"] == 0o644
    assert archive.file_count == 4


def test_a_content_change_or_a_mode_change_changes_the_name(tmp_path):
    tree = make_tree(tmp_path / "src", 1_650_000_000)
    before = code_archive.describe(str(tree)).digest
    (tree / "src/pkg/train.py").write_text("print('changed')\n")
    changed = code_archive.describe(str(tree)).digest
    os.chmod(tree / "pyproject.toml", 0o755)
    assert len({before, changed, code_archive.describe(str(tree)).digest}) == 3


def test_an_existing_archive_is_reused(tmp_path):
    tree = make_tree(tmp_path / "src", 1_650_000_000)
    first = code_archive.build(str(tree), str(tmp_path / "out"))
    stamp = os.stat(first.path).st_mtime_ns
    again = code_archive.build(str(tree), str(tmp_path / "out"))
    assert again.path == first.path and os.stat(again.path).st_mtime_ns == stamp
    assert sorted(os.listdir(tmp_path / "out")) == [first.name]  # no temporary files left


def test_empty_or_missing_directories_are_refused(tmp_path):
    (tmp_path / "empty" / ".git").mkdir(parents=True)
    (tmp_path / "empty" / ".git" / "HEAD").write_text("x")
    with pytest.raises(code_archive.ArchiveError, match="contains no files"):
        code_archive.describe(str(tmp_path / "empty"))
    with pytest.raises(code_archive.ArchiveError, match="does not exist"):
        code_archive.describe(str(tmp_path / "missing"))


def test_symlinks_are_kept_as_links(tmp_path):
    tree = make_tree(tmp_path / "src", 1_650_000_000)
    os.symlink("pyproject.toml", tree / "link.toml")
    archive = code_archive.build(str(tree), str(tmp_path / "out"))
    with tarfile.open(archive.path) as tar:
        link = tar.getmember("link.toml")
    assert link.issym() and link.linkname == "pyproject.toml"
