"""Nothing lost, nothing left behind (issue #15): one suite, bounded in time.

perfxl killed in the middle of a batch, a workbook saved by another program while perfxl
writes into it, inboxes full of what a finance office really receives (fuzzed), outputs that
would land on the inputs, packages that break the writer: every submission ends as a project
row, a failure row or a note that it was skipped; no worker, temporary file or save is lost or
left behind; the exit code says what happened (1 errors found, 2 a file not processed).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import perfxl
from perfxl.batch.isolate import Failure, map_isolated
from perfxl.batch.validate import Limits, validate_paths
from perfxl.cli import main
from perfxl.notes.annotate import annotate_workbook, clean_workbook
from perfxl.ooxml.opc import Package

import hostile
from hostile_batch import author_not_a_number, good, in_gbk, million_rows, no_content_types, with_comments

ROOT = Path(__file__).resolve().parents[2]
LINUX = sys.platform.startswith("linux")
CHANGED = "检查期间文件已被修改，未写入批注，请重新运行"


def spoil(fill):  # 资金支付 scored 4 of 3: an error (S001), so the workbook is flagged
    fill.values["score_funds_paid"] = 4


_FORMS: dict[str, bytes] = {}


def made_forms(tmp_path_factory) -> dict[str, bytes]:
    """The bytes of a few forms, made once: two flagged projects and a clean one."""
    if not _FORMS:
        folder = tmp_path_factory.mktemp("forms")
        made = {"flagged": good(folder / "a.xlsx", "示例县道路养护项目", spoil),
                "other": good(folder / "b.xlsx", "示例县桥梁维修项目", spoil),
                "clean": good(folder / "c.xlsx", "示例县清洁项目")}
        _FORMS.update({name: path.read_bytes() for name, path in made.items()})
    return _FORMS


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> dict[str, bytes]:
    return made_forms(tmp_path_factory)


def put(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def summary_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def dead_pid() -> int:
    """The pid of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ============================================================ 1. writing isolated like reading


def hostile_writes(folder: Path, forms) -> dict[str, Path]:
    """Three workbooks that read fine but break the code that writes notes into them."""
    base = put(folder / ".base.xlsx", forms["flagged"])
    made = {
        "no_ct": no_content_types(base, folder / "缺少内容类型.xlsx"),
        "author": with_comments(base, folder / "批注作者非数字.xlsx", "自评得分", author_not_a_number),
        "gbk": with_comments(base, folder / "批注为GBK编码.xlsx", "自评得分", in_gbk),
    }
    base.unlink()
    return made


def test_a_workbook_that_breaks_the_writer_is_one_line_and_the_batch_goes_on(forms, tmp_path):
    inbox = tmp_path / "收件箱"
    bad = hostile_writes(inbox, forms)
    fine = put(inbox / "正常.xlsx", forms["other"])
    result = run("validate", "--annotate", "--jobs", "1", inbox)
    assert result.exit_code == 2, result.output  # a file not processed, not "errors found"
    assert "Traceback" not in result.output
    blocks: dict[str, list[str]] = {}  # each workbook's lines under its header
    for line in result.output.splitlines():
        if line.startswith(str(inbox)):
            blocks[line.split("  ")[0]] = []
        elif line.startswith("  ") and blocks:
            blocks[list(blocks)[-1]].append(line)
    for path in bad.values():
        (note,) = [line for line in blocks[str(path)] if "批注未写入" in line]
        assert "文件已损坏或结构异常" in note and "内部错误" not in note
    assert not [line for line in blocks[str(fine)] if "批注未写入" in line]
    assert "，3 个批注未写入" in result.output.splitlines()[-1]
    assert f"已写入批注 → {fine}" in result.output
    with Package(fine) as pkg:
        assert any("perfxl_results" in p for p in pkg.parts())  # the rest were annotated


def test_summarize_writes_the_summary_when_copies_cannot_be_written(forms, tmp_path):
    inbox = tmp_path / "收件箱"
    bad = hostile_writes(inbox, forms)
    put(inbox / "正常.xlsx", forms["other"])
    out, doc, back = tmp_path / "汇总.xlsx", tmp_path / "汇总.json", tmp_path / "退回"
    result = run("summarize", inbox, "-o", out, "--json", doc, "--annotate-to", back, "--jobs", "1")
    assert result.exit_code == 2, result.output  # copies not written: not processed
    assert out.exists() and "3 个批注副本未写出" in result.output
    failed = {f["path"]: f["reason"] for f in summary_json(doc)["failures"]}
    assert set(failed) == {str(p) for p in bad.values()}
    assert all(r.startswith("批注副本未能写出：文件已损坏或结构异常") for r in failed.values())
    assert [p.name for p in back.rglob("*.xlsx")] == ["正常.xlsx"]
    import openpyxl

    listed = [row[1] for row in openpyxl.load_workbook(out)["未能处理"].iter_rows(min_row=3, values_only=True)]
    assert {p.name for p in bad.values()} <= set(listed)  # in 未能处理 of the summary workbook, by name


# ============================================================ 2. workers die with perfxl


def children(pid: int) -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    out.append(int(name))
    return out


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its parent has not looked yet


@pytest.fixture(scope="module")
def slow_inbox(forms, tmp_path_factory):
    """An inbox whose first workbook takes a worker a while (300,000 extra rows), a zip (so
    members are unpacked into TMPDIR) and a few forms."""
    inbox = tmp_path_factory.mktemp("慢收件箱")
    base = put(inbox.parent / "base.xlsx", forms["flagged"])
    million_rows(base, inbox / "0慢.xlsx", n=300_000)
    zipped(inbox / "报送.zip", {f"局{i}/表{i}.xlsx": forms["other"] for i in range(3)})
    for i in range(4):
        put(inbox / f"表{i}.xlsx", forms["clean"])
    return inbox


def start(args: list, tmpdir: Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmpdir), "PERFXL_LANG": "zh"}
    return subprocess.Popen([sys.executable, "-m", "perfxl", *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def workers_of(proc: subprocess.Popen, n: int = 2, within: float = 20) -> list[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = children(proc.pid)
        if len(found) >= n:
            return found
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    raise AssertionError("no workers started")


def gone(pids: list[int], within: float = 5) -> bool:
    deadline = time.monotonic() + within
    while any(running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(running(p) for p in pids)


@pytest.mark.skipif(not LINUX, reason="/proc")
def test_workers_end_when_perfxl_is_killed_and_the_next_run_sweeps_what_it_left(slow_inbox, tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = start(["summarize", slow_inbox, "-o", tmp_path / "汇总.xlsx", "--jobs", "2"], temp)
    workers = workers_of(proc)
    proc.kill()  # SIGKILL: perfxl can do nothing about it
    proc.communicate()
    assert gone(workers), "a worker outlived perfxl"
    left = sorted(p.name for p in temp.iterdir())
    assert any(n.startswith(f"perfxl-{proc.pid}-") for n in left)  # the zip's members
    assert any(n.startswith(f"perfxl-worker-{proc.pid}-") for n in left)  # the workers' logs
    mine = temp / "别人的.log"
    mine.write_text("not perfxl's")
    again = subprocess.run([sys.executable, "-m", "perfxl", "validate", slow_inbox / "表0.xlsx"], cwd=ROOT,
                           env={**os.environ, "TMPDIR": str(temp)}, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "已删除之前中断的运行留下的" in again.stderr
    assert sorted(p.name for p in temp.iterdir()) == ["别人的.log"]


@pytest.mark.skipif(not LINUX, reason="/proc")
def test_sigterm_tidies_up_as_ctrl_c_does(slow_inbox, tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    out = tmp_path / "out"
    proc = start(["summarize", slow_inbox, "-o", out / "汇总.xlsx", "--annotate-to", out / "退回",
                  "--jobs", "2"], temp)
    workers = workers_of(proc)
    proc.terminate()
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 128 + signal.SIGTERM
    assert b"Traceback" not in err
    assert gone(workers, within=2)
    assert list(temp.iterdir()) == []  # logs, unpacked members: all removed on the way out
    assert not out.exists() or not list(out.rglob("*.perfxl-tmp"))


def test_a_writer_stopped_in_the_middle_leaves_no_temporary_file(tmp_path):
    from perfxl.batch.write import NoteJob, run_jobs

    crash, hang = put(tmp_path / "甲.xlsx", b"original"), put(tmp_path / "hang.xlsx", b"original")
    jobs = [NoteJob(str(crash), [], None, "", "zh"), NoteJob(str(hang), [], None, "", "zh")]
    got = [r for _, r in run_jobs(hostile.half_written, jobs, Limits(jobs=2, timeout=1))]
    assert got[0].reason_zh.startswith("写入程序异常中止") and got[1].reason_zh.startswith("处理超时")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hang.xlsx", "甲.xlsx"]
    assert crash.read_bytes() == hang.read_bytes() == b"original"


# ============================================================ 3. debris of killed runs


def test_a_later_run_removes_only_stale_debris_of_perfxl_naming(forms, tmp_path, monkeypatch):
    inbox = tmp_path / "收件箱"
    wb = put(inbox / "甲.xlsx", forms["clean"])
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    dead, hour = dead_pid(), time.time() - 3600
    stale = [inbox / f".甲.xlsx.{dead}-0123abcd.perfxl-tmp", inbox / ".甲.xlsx.0123abce.perfxl-tmp",
             temp / f"perfxl-worker-{dead}-x1y2z3w4.log", temp / f"perfxl-decrypted-{dead}-q9r8s7t6.xlsx",
             temp / f"perfxl-{dead}-r8s7_k2j"]
    kept = [inbox / f".甲.xlsx.{os.getpid()}-0123abcf.perfxl-tmp",  # a run still going
            inbox / ".甲.xlsx.0123abd0.perfxl-tmp",  # no pid, only an hour old: maybe in use
            inbox / f".甲.xlsx.{dead}-0123abd1.perfxl-tmp",  # newer than this run
            inbox / ".甲.xlsx.xyz.perfxl-tmp", inbox / "甲.xlsx.perfxl-tmp.bak", inbox / ".笔记.txt",
            temp / "perfxl-worker-abcdefgh.log", temp / f"perfxl-worker-{os.getpid()}-k3k3k3k3.log", temp / "other.log",
            temp / "perfxl-bench"]  # a cache of that name, however old: not a temporary folder of perfxl's
    for path in stale + kept:
        if path.name.startswith("perfxl-") and "." not in path.name:
            path.mkdir()
            (path / "0000").mkdir()
            (path / "0000" / "成员.xlsx").write_bytes(b"x")
        else:
            path.write_bytes(b"half written")
    for path in stale + kept[:2] + kept[3:]:
        os.utime(path, (hour, hour))
    os.utime(kept[-1], (hour - 9 * 86400,) * 2)
    os.utime(stale[1], (hour - 2 * 86400,) * 2)  # an old name without a pid, two days old
    future = time.time() + 3600
    os.utime(kept[2], (future, future))
    link = inbox / f".乙.xlsx.{dead}-0123abd2.perfxl-tmp"
    link.symlink_to(wb)
    result = run("validate", "--annotate", "--jobs", "1", inbox)
    assert result.exit_code == 0, result.output
    assert "已删除之前中断的运行留下的 5 个临时文件" in result.output
    assert not any(os.path.lexists(p) for p in stale)
    assert all(p.exists() for p in kept) and link.is_symlink() and wb.read_bytes()  # nothing else


# ============================================================ 4. a save made meanwhile is kept


def test_a_save_between_the_check_and_the_notes_is_kept(forms, tmp_path, monkeypatch):
    path = put(tmp_path / "报表.xlsx", forms["flagged"])
    import perfxl.batch.write as write

    real = write.annotate_many

    def saved_meanwhile(jobs, limits=None):  # the unit saves in Excel after perfxl read it
        path.write_bytes(forms["other"])
        return real(jobs, limits)

    monkeypatch.setattr(write, "annotate_many", saved_meanwhile)
    result = run("validate", "--annotate", "--jobs", "1", path)
    assert result.exit_code == 2 and f"批注未写入: {CHANGED}" in result.output
    assert path.read_bytes() == forms["other"]  # their save, untouched


def test_a_save_while_the_notes_are_written_is_kept(forms, tmp_path, monkeypatch):
    path = put(tmp_path / "报表.xlsx", forms["flagged"])
    (result,) = validate_paths([path], limits=Limits(isolate=False))
    real = Package.to_bytes

    def saved_meanwhile(pkg):  # after perfxl read the file, before it replaces it
        path.write_bytes(forms["other"])
        return real(pkg)

    monkeypatch.setattr(Package, "to_bytes", saved_meanwhile)
    with pytest.raises(perfxl.WriteError, match=CHANGED):
        annotate_workbook(path, result.findings, checked_at="2024-04-01 09:00", expect=result.fingerprint)
    assert path.read_bytes() == forms["other"]
    assert not list(tmp_path.glob(".*perfxl-tmp"))


def test_saves_at_random_moments_are_never_lost(forms, tmp_path, monkeypatch):
    """Another program saves v2 (as Excel does: a new file renamed over the old) at a random
    moment while perfxl annotates v1.  Whatever the moment, v2 is what stays — except when the
    save lands between perfxl's last check and its own rename, which no check can close."""
    path = tmp_path / "报表.xlsx"
    v1, v2 = forms["flagged"], forms["other"]
    (checked,) = validate_paths([put(path, v1)], limits=Limits(isolate=False))
    import perfxl.ooxml.atomic as atomic

    mine = threading.main_thread
    checks: list[float] = []  # when perfxl's last look at the file began
    renames: list[float] = []  # when perfxl's rename was done
    real_replace, real_matches = os.replace, atomic.Fingerprint.matches

    def timed_replace(src, dst):
        real_replace(src, dst)
        if threading.current_thread() is mine():
            renames.append(time.perf_counter())

    def timed_matches(self, target):
        checks.append(time.perf_counter())  # the file is opened after this: a rename may still win
        return real_matches(self, target)

    monkeypatch.setattr(atomic.os, "replace", timed_replace)
    monkeypatch.setattr(atomic.Fingerprint, "matches", timed_matches)
    times = []
    for _ in range(3):  # how long a warm annotate takes: the saves are spread over that
        put(path, v1)
        started = time.perf_counter()
        annotate_workbook(path, checked.findings, checked_at="2024-04-01 09:00", expect=checked.fingerprint)
        times.append(time.perf_counter() - started)
    took = min(times)
    rng, refused = random.Random(15), 0
    for _ in range(16):
        put(path, v1)
        checks.clear()
        renames.clear()
        saved: list[float] = []

        def save(delay, saved=saved):
            time.sleep(delay)
            other = path.with_name(".excel-save.tmp")
            other.write_bytes(v2)
            saved.append(time.perf_counter())  # the save begins…
            real_replace(other, path)
            saved.append(time.perf_counter())  # …and is done

        saver = threading.Thread(target=save, args=(rng.uniform(0, took),))
        saver.start()
        try:
            annotate_workbook(path, checked.findings, checked_at="2024-04-01 09:00", expect=checked.fingerprint)
        except perfxl.WriteError as exc:
            assert CHANGED in str(exc)
            refused += 1
        saver.join()
        if path.read_bytes() != v2:  # perfxl's rename came after the save: only in that window
            assert checks and renames and saved[1] >= checks[-1] and saved[0] <= renames[-1], \
                "a save made before perfxl's last check was overwritten"
    assert refused >= 1  # the check was put to the test


# ============================================================ 5. outputs never overwrite inputs


def test_an_output_that_is_an_input_is_refused(forms, tmp_path):
    inbox = tmp_path / "收件箱"
    a = put(inbox / "甲.xlsx", forms["flagged"])
    for args in (["-o", a], ["-o", tmp_path / "汇总.xlsx", "--json", a],
                 ["-o", a, "--allow-inside-inputs"], ["-o", tmp_path / "x.xlsx", "--json", inbox / "x.json"]):
        result = run("summarize", inbox, *args)
        assert result.exit_code == 2 and "Traceback" not in result.output, (args, result.output)
    assert a.read_bytes() == forms["flagged"] and sorted(p.name for p in inbox.iterdir()) == ["甲.xlsx"]
    assert "是输入文件之一" in run("summarize", inbox, "-o", a, "--allow-inside-inputs").output
    assert "位于输入文件夹" in run("summarize", inbox, "-o", inbox / "汇总.xlsx").output
    assert "请用 .json 文件名" in run("summarize", inbox, "-o", tmp_path / "汇总.xlsx", "--json", a).output
    assert "须写成 .xlsx" in run("summarize", inbox, "-o", tmp_path / "汇总.pdf").output


def test_outputs_written_inside_the_inbox_on_request_are_skipped_the_next_time(forms, tmp_path):
    inbox = tmp_path / "收件箱"
    put(inbox / "局甲" / "表.xlsx", forms["flagged"])
    put(inbox / "局乙" / "表.xlsx", forms["other"])
    outputs = ["-o", inbox / "汇总.xlsx", "--json", inbox / "汇总.json", "--annotate-to", inbox / "退回"]
    first = run("summarize", inbox, *outputs, "--allow-inside-inputs", "--jobs", "1")
    assert first.exit_code == 1, first.output
    assert sorted(str(p.relative_to(inbox)) for p in (inbox / "退回").rglob("*.xlsx")) == \
        ["退回/局乙/表.xlsx", "退回/局甲/表.xlsx"]
    second = run("summarize", inbox, *outputs, "--allow-inside-inputs", "--jobs", "1")
    assert second.exit_code == 1, second.output  # errors found, nothing unreadable
    doc = summary_json(inbox / "汇总.json")
    assert doc["totals"]["projects"] == 2 and doc["totals"]["unreadable"] == 0 and not doc["failures"]
    skipped = {f["path"]: f["reason"] for f in doc["skipped"]}
    assert skipped[str(inbox / "汇总.xlsx")] == "perfxl 生成的汇总表，不是报送文件，已跳过"
    assert skipped[str(inbox / "退回/局甲/表.xlsx")].startswith("perfxl 写出的批注副本")
    assert skipped[str(inbox / "汇总.json")] == "不是工作簿文件（.json），未汇总"
    # a copy the unit opened, changed and sent back is a submission again
    returned = inbox / "退回" / "局甲" / "表.xlsx"
    clean_workbook(returned, keep_explanations=True)  # rewritten since perfxl wrote it
    third = run("summarize", inbox, *outputs, "--allow-inside-inputs", "--jobs", "1")
    assert str(returned) not in {f["path"] for f in summary_json(inbox / "汇总.json")["skipped"]}, third.output


def test_validate_out_never_annotates_the_original(forms, tmp_path):
    inbox = tmp_path / "收件箱"
    a = put(inbox / "甲.xlsx", forms["flagged"])
    assert "就是输入文件夹" in run("validate", "--out", inbox, inbox).output
    assert "位于输入文件夹" in run("validate", "--out", inbox / "副本", inbox).output
    onto = run("validate", "--out", inbox, a)  # the file given, its own folder as --out
    assert onto.exit_code == 2 and "副本会写到原文件上" in onto.output
    assert a.read_bytes() == forms["flagged"]
    inside = run("validate", "--out", inbox / "副本", "--allow-inside-inputs", inbox)
    assert inside.exit_code == 1 and (inbox / "副本" / "甲.xlsx").exists()
    assert a.read_bytes() == forms["flagged"]


def test_copies_of_one_name_from_two_places_stay_two(forms, tmp_path):
    inbox = tmp_path / "收件箱"
    put(inbox / "局甲" / "表.xlsx", forms["flagged"])
    put(inbox / "局甲" / "表.XLSX", forms["other"])  # one name on Windows
    put(inbox / "局乙" / "表.xlsx", forms["other"])
    zipped(inbox / "局甲.zip", {"表.xlsx": forms["other"]})  # its members go under 局甲/ too
    back = tmp_path / "退回"
    result = run("summarize", inbox, "-o", tmp_path / "汇总.xlsx", "--annotate-to", back, "--jobs", "1")
    assert result.exit_code == 1, result.output
    copies = sorted(str(p.relative_to(back)) for p in back.rglob("*") if p.is_file())
    assert copies == ["局乙/表.xlsx", "局甲/表 (2).xlsx", "局甲/表 (3).xlsx", "局甲/表.XLSX"]
    out = tmp_path / "副本"
    flat = run("validate", "--out", out, inbox / "局甲" / "表.xlsx", inbox / "局乙" / "表.xlsx")
    assert flat.exit_code == 1 and sorted(p.name for p in out.rglob("*.xlsx")) == ["表.xlsx", "表.xlsx"]


# ============================================================ 6. no submission silently missing


@st.composite
def inboxes(draw):
    """A folder tree of what an inbox holds: forms, junk, other files and archives, hidden
    files, dangling links, zips (in zips), names with a trailing blank, a folder nobody may list."""
    kinds = st.sampled_from(["form", "junk", "docx", "rar", "7z", "zip", "space", "dangling", "hidden",
                             "link", "xlsb"])
    return draw(st.lists(st.tuples(st.sampled_from(["", "局甲", "局甲/科室", "局乙"]), kinds,
                                   st.lists(st.sampled_from(["form", "junk", "docx", "zip", "hidden", "deep"]),
                                            max_size=3)), min_size=1, max_size=7)), \
        draw(st.sampled_from([None, "局乙", "局甲/科室"]))


def build_inbox(root: Path, spec, forms) -> tuple[dict[str, str], list[tuple[str, str | None]]]:
    """Write the tree; return path shown → the list it must land in, and the pairs of a link
    and the file it points to (one file: one row between the two; None for a link unseen)."""
    entries, locked = spec
    expected: dict[str, str] = {}
    pairs: list[tuple[str, str | None]] = []
    member = {"form": forms["clean"], "junk": b"not a workbook", "docx": b"PK\x05\x06" + bytes(18)}
    lists = {"form": "projects", "space": "projects", "junk": "failures", "docx": "skipped",
             "rar": "failures", "7z": "failures", "dangling": "failures", "xlsb": "failures"}
    for i, (folder, kind, inside) in enumerate(entries):
        name = {"form": f"表{i}.xlsx", "junk": f"坏{i}.xlsx", "docx": f"报告{i}.docx", "rar": f"包{i}.rar",
                "7z": f"包{i}.7z", "zip": f"包{i}.zip", "space": f"表{i}.xlsx ", "dangling": f"链{i}.xlsx",
                "hidden": f"~$表{i}.xlsx", "link": f"链{i}.xlsx", "xlsb": f"表{i}.xlsb"}[kind]
        path = root / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        unseen = locked is not None and (folder + "/").startswith(locked + "/")
        if kind == "zip":
            members: dict[str, bytes] = {}
            for j, m in enumerate(inside):
                if m == "deep":  # a zip in the zip, holding a form and a zip of its own (too deep)
                    members[f"内{j}.zip"] = zip_bytes({"内表.xlsx": forms["clean"],
                                                      "更深.zip": zip_bytes({"x.xlsx": forms["clean"]})})
                    if not unseen:
                        expected[f"{path}/内{j}.zip/内表.xlsx"] = "projects"
                        expected[f"{path}/内{j}.zip/更深.zip"] = "failures"
                    continue
                mname = {"form": f"m{j}.xlsx", "junk": f"m{j}坏.xlsx", "docx": f"m{j}.docx",
                         "zip": f"m{j}.zip", "hidden": f"~$m{j}.xlsx"}[m]
                members[mname] = zip_bytes({"内.xlsx": forms["clean"]}) if m == "zip" else member.get(m, b"")
                if unseen or m == "hidden":
                    continue
                if m == "zip":
                    expected[f"{path}/{mname}/内.xlsx"] = "projects"
                else:
                    expected[f"{path}/{mname}"] = lists[m]
            path.write_bytes(zip_bytes(members))
        elif kind == "link":  # the same file reached twice
            target = put(root / f"目标{i}.xlsx", forms["clean"])
            path.symlink_to(target)
            pairs.append((str(target), None if unseen else str(path)))
        elif kind == "dangling":
            path.symlink_to(root / "不存在.xlsx")
        else:
            put(path, b"Rar!\x1a\x07" if kind in ("rar", "7z", "xlsb") else member.get(kind, forms["clean"]))
        if kind in lists and not unseen:
            expected[str(path)] = lists[kind]
    if locked is not None and (root / locked).exists():
        expected[str(root / locked)] = "failures"
    return expected, pairs


def zip_bytes(members: dict[str, bytes]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@contextlib.contextmanager
def unlistable(folder: Path | None):
    """A folder the clerk may not list (root may list anything: the refusal is simulated)."""
    if folder is None or not folder.exists():
        yield
        return
    real = os.scandir

    def scandir(path="."):
        if not isinstance(path, int) and os.path.abspath(path) == str(folder):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    os.scandir = scandir
    try:
        yield
    finally:
        os.scandir = real


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=inboxes())
def test_every_file_under_the_inputs_is_a_project_a_failure_or_a_skipped_file(spec, tmp_path_factory):
    forms = made_forms(tmp_path_factory)
    root = Path(tempfile.mkdtemp(prefix="收件箱"))
    try:
        expected, pairs = build_inbox(root, spec, forms)
        locked = root / spec[1] if spec[1] else None
        with unlistable(locked):
            county = perfxl.summarize([root], limits=Limits(isolate=False))
        rows = {"projects": list(county.projects["path"]), "failures": [f.path for f in county.failures],
                "skipped": [f.path for f in county.skipped]}
        seen = [p for paths in rows.values() for p in paths]
        assert len(seen) == len(set(seen)), "a file counted twice"
        got = {p: where for where, paths in rows.items() for p in paths}
        for target, link in pairs:  # one file, reached twice: one project row
            assert [p for p in (target, link) if p in got] in ([target], [link])
            assert got.pop(target, None) or got.pop(link) == "projects"
        assert got == expected
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_submissions_that_went_missing_are_named(forms, tmp_path):
    inbox = tmp_path / "收件箱"
    put(inbox / "局甲" / "表.xlsx", forms["flagged"])
    put(inbox / "锁住的" / "表.xlsx", forms["clean"])
    zipped(inbox / "全县.zip", {"局乙.zip": zip_bytes({"表.xlsx": forms["other"]}), "说明.docx": b"x"})
    put(inbox / "局丙.rar", b"Rar!\x1a\x07\x00")
    put(inbox / "局丁.7z", b"7z\xbc\xaf\x27\x1c")
    put(inbox / "局戊.xlsx ", forms["clean"])  # a blank after the suffix
    (inbox / "局己.xlsx").symlink_to(tmp_path / "不存在.xlsx")
    put(inbox / "局辛.xlsb", b"PK\x05\x06" + bytes(18))  # Excel's binary workbook
    out, doc = tmp_path / "汇总.xlsx", tmp_path / "汇总.json"
    with unlistable(inbox / "锁住的"):
        result = run("summarize", inbox, "-o", out, "--json", doc, "--jobs", "1")
    assert result.exit_code == 2, result.output
    data = summary_json(doc)
    projects = sorted(p["path"] for p in data["projects"])
    assert projects == sorted([f"{inbox}/局甲/表.xlsx", f"{inbox}/全县.zip/局乙.zip/表.xlsx", f"{inbox}/局戊.xlsx "])
    failed = {f["path"].removeprefix(f"{inbox}/"): f["reason"] for f in data["failures"]}
    assert set(failed) == {"锁住的", "局丙.rar", "局丁.7z", "局己.xlsx", "局辛.xlsb"}
    assert "不能读取 .xlsb 格式的工作簿" in failed["局辛.xlsb"] and "另存为" in failed["局辛.xlsb"]
    assert "无法打开文件夹（没有权限）" in failed["锁住的"]
    assert "不能打开 .rar 压缩包" in failed["局丙.rar"] and "改用 .zip" in failed["局丁.7z"]
    assert "链接" in failed["局己.xlsx"] and "不存在" in failed["局己.xlsx"]
    assert [f["path"] for f in data["skipped"]] == [f"{inbox}/全县.zip/说明.docx"]
    assert data["totals"]["workbooks"] == len(projects) + len(failed)


# ============================================================ 7. no tracebacks left


def test_absolute_and_relative_inputs_mixed_with_annotate_to(forms, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    put(tmp_path / "甲" / "表.xlsx", forms["flagged"])
    put(tmp_path / "乙" / "表.xlsx", forms["other"])
    result = run("summarize", "甲", tmp_path / "乙", "-o", "汇总.xlsx", "--annotate-to", "退回", "--jobs", "1")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert sorted(str(p.relative_to(tmp_path / "退回")) for p in (tmp_path / "退回").rglob("*.xlsx")) == \
        ["乙/表.xlsx", "甲/表.xlsx"]


def test_a_budget_list_that_crashes_its_reader_is_a_plain_error(forms, tmp_path):
    put(tmp_path / "收件箱" / "表.xlsx", forms["clean"])
    listed = hostile.xlsx(tmp_path / "预算清单.xlsx", sheet=hostile.FAR_SHEET)  # calamine: 512 GB, abort
    result = run("summarize", tmp_path / "收件箱", "-o", tmp_path / "汇总.xlsx", "--budget", listed)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{listed}: 预算清单无法读取：内存不足" in result.output


def test_copies_into_a_folder_that_cannot_be_made_or_written(forms, tmp_path, monkeypatch):
    a = put(tmp_path / "收件箱" / "甲.xlsx", forms["flagged"])
    plain = put(tmp_path / "普通文件", b"x")
    under = run("validate", "--out", plain / "副本", a)
    assert under.exit_code == 2 and "无法创建输出文件夹" in under.output and "是一个文件" in under.output
    summary = run("summarize", a, "-o", tmp_path / "汇总.xlsx", "--annotate-to", plain / "退回")
    assert summary.exit_code == 2 and "无法创建输出文件夹" in summary.output
    locked = tmp_path / "只读"
    locked.mkdir()
    if os.geteuid() == 0:  # root writes anywhere: the refusal the system would give, simulated
        import perfxl.ooxml.atomic as atomic

        def refused(folder, name, mode):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(atomic, "_create_beside", refused)
    else:
        locked.chmod(0o555)
    result = run("validate", "--out", locked, "--jobs", "1", a)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "批注未写入: 没有写入该文件夹的权限" in result.output


def test_a_full_disk_is_said_so(forms, tmp_path, monkeypatch):
    put(tmp_path / "收件箱" / "表.xlsx", forms["clean"])

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)  # where xlsxwriter writes the parts
    monkeypatch.setattr(zipfile.ZipFile, "write", full)
    for args in (["summarize", tmp_path / "收件箱", "-o", tmp_path / "汇总.xlsx"],
                 ["template", "-o", tmp_path / "模板.xlsx"]):
        result = run(*args)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert "写入失败：磁盘空间不足" in result.output
    assert not list(tmp_path.glob("*.xlsx")) and not list(tmp_path.glob(".*"))


@pytest.mark.skipif(not LINUX, reason="names as bytes")
def test_file_names_that_are_not_utf8(forms, tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for raw, data in ((b"\xb2\xe2\xca\xd4.xlsx", forms["flagged"]), (b"\xff\xfe.xlsx", forms["other"])):
        with open(os.path.join(os.fsencode(inbox), raw), "wb") as fh:
            fh.write(data)
    doc = tmp_path / "汇总.json"
    result = run("summarize", inbox, "-o", tmp_path / "汇总.xlsx", "--json", doc, "--annotate-to",
                 tmp_path / "退回", "--jobs", "1")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert sorted(p["path"] for p in summary_json(doc)["projects"]) == \
        [f"{inbox}/\\xff\\xfe.xlsx", f"{inbox}/测试.xlsx"]
    assert sorted(p.name for p in (tmp_path / "退回").iterdir()) == ["_xff_xfe.xlsx", "测试.xlsx"]
    checked = run("validate", "--annotate", inbox)
    assert checked.exit_code == 1 and "测试.xlsx  示例县道路养护项目" in checked.output


# ============================================================ 8. honest outcomes


def test_damaged_files_are_not_internal_errors(forms, tmp_path):
    from hostile_batch import rewrite

    base = put(tmp_path / ".base.xlsx", forms["clean"])
    cut = rewrite(base, tmp_path / "截断的表.xlsx", lambda n, d: None if n == "" else
                  (d[: len(d) // 2] if n == "xl/worksheets/sheet4.xml" else d))
    utf16 = rewrite(base, tmp_path / "UTF16的表.xlsx", lambda n, d: None if n == "" else
                    (d.decode().replace('"UTF-8"', '"UTF-16"').encode("utf-16") if n.endswith("sheet1.xml") else d))
    base.unlink()
    result = run("validate", "--jobs", "1", tmp_path)
    assert result.exit_code == 2 and "内部错误" not in result.output
    for path in (cut, utf16):
        assert f"{path}\n  无法读取: " in result.output
    assert result.output.count("无法读取: 文件已损坏或结构异常") + result.output.count("无法读取: 无法读取工作簿") == 2


def test_the_same_file_given_twice_is_counted_once(forms, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = put(tmp_path / "收件箱" / "甲.xlsx", forms["flagged"])
    doc = tmp_path / "汇总.json"
    result = run("summarize", "收件箱", a, "./收件箱/甲.xlsx", "-o", "汇总.xlsx", "--json", doc)
    assert result.exit_code == 1 and summary_json(doc)["totals"]["workbooks"] == 1
    checked = run("validate", "--format", "json", a, "收件箱")
    assert json.loads(checked.output)["totals"]["workbooks"] == 1


def test_failure_reasons_are_one_line():
    got = dict(map_isolated(hostile.hostile_task, ["multiline"], isolate=False))
    from perfxl.batch.inputs import Failure as InputFailure

    assert "\n" not in Failure("x", "第一行\n第二行", "one\r\ntwo").reason_zh
    assert InputFailure("x", "第一行\n  第二行", "one\ntwo").reason == "第一行 第二行"
    assert "\n" not in got["multiline"].reason_zh and "第二行" in got["multiline"].reason_zh


def test_control_characters_are_escaped_on_the_console(forms, tmp_path):
    from hostile_batch import good as form

    name = tmp_path / "表\x1b[2J\x1b]0;标题\x07.xlsx"
    form(name, "示例县\x1b[31m红色\x1b[0m项目", spoil)
    result = run("validate", "--annotate", name)
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "表\\x1b[2J\\x1b]0;标题\\x07.xlsx" in result.output and "示例县\\x1b[31m红色" in result.output


@pytest.mark.parametrize("option", [["--timeout", "nan"], ["--timeout", "-1"], ["--timeout", "0"],
                                    ["--memory", "-5"]])
def test_bad_timeout_and_memory_are_refused(option, forms, tmp_path):
    a = put(tmp_path / "甲.xlsx", forms["clean"])
    for command in (["validate", a], ["summarize", a, "-o", tmp_path / "汇总.xlsx"]):
        result = run(*command, *option)
        assert result.exit_code == 2 and f"'{option[0]}' 的值无效" in result.output
    assert not (tmp_path / "汇总.xlsx").exists()


def test_a_name_whose_temporary_name_would_pass_255_bytes_still_annotates(forms, tmp_path):
    path = put(tmp_path / ("很长的项目名称" * 11 + ".xlsx"), forms["flagged"])  # 236 bytes
    assert len(os.fsencode(path.name)) > 255 - len(".x.99999-12345678.perfxl-tmp")
    result = run("validate", "--annotate", path)
    assert result.exit_code == 1 and f"已写入批注 → {path}" in result.output
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


# ============================================================ the fuzzed batch, end to end


def test_a_fuzzed_batch_ends_with_every_file_accounted_for(forms, tmp_path):
    """Workbooks damaged at random (bytes flipped, parts cut or dropped, encodings changed),
    read and annotated in one run: each one is a result (checked, or unreadable with a plain
    reason); none is an internal error; the good ones are annotated; nothing is left behind."""
    rng = random.Random(1515)
    with zipfile.ZipFile(put(tmp_path / ".base.xlsx", forms["flagged"])) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    (tmp_path / ".base.xlsx").unlink()
    inbox = tmp_path / "收件箱"
    for n in range(24):
        spoilt = dict(parts)
        name = rng.choice(sorted(parts))
        data = bytearray(parts[name])
        how = rng.choice(["flip", "cut", "drop", "utf16"])
        if how == "flip":
            for _ in range(4):
                data[rng.randrange(len(data))] = rng.randrange(256)
            spoilt[name] = bytes(data)
        elif how == "cut":
            spoilt[name] = bytes(data[: rng.randrange(len(data))])
        elif how == "drop":
            del spoilt[name]
        else:
            spoilt[name] = bytes(data).replace(b'"UTF-8"', b'"UTF-16"').decode("utf-8", "replace").encode("utf-16")
        put(inbox / f"表{n:02d}-{how}.xlsx", zip_bytes(spoilt))
    result = run("validate", "--annotate", "--format", "json", "--jobs", "2", "--timeout", "20", inbox)
    assert result.exit_code in (1, 2) and "Traceback" not in result.output
    doc = json.loads(result.output[result.output.index("{"):])
    assert doc["totals"]["workbooks"] == 24
    for wb in doc["workbooks"]:
        text = (wb["reason"] or "") + (wb["notes_not_written"] or "")
        assert "内部错误" not in text and "\n" not in text, (wb["path"], text)
        if wb["status"] != "unreadable" and not wb["notes_not_written"]:
            with Package(Path(wb["path"])) as pkg:
                assert any("perfxl_results" in p for p in pkg.parts()), wb["path"]
    assert not list(inbox.glob(".*"))
