# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Background services on the workstation: start, health-check, stop, without a service manager.

State lives in one directory per service: ``<data_dir>/<name>.pid``,
``<name>.json`` (the command, working directory and port it was started with) and
``<name>.log``. A service counts as running only when its recorded PID is alive
and its health URL answers, so a second run changes nothing and a crashed or
reconfigured service is restarted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os
import signal
import socket
import subprocess
import time

from ansible.module_utils.urls import open_url
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError


class ServiceError(Exception):
    pass


def port_in_use(host, port, timeout=0.5):
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except (OSError, socket.timeout):
        return False


def http_status(url, timeout=2.0):
    """HTTP status of a GET, or None when nothing answers."""
    try:
        resp = open_url(url, timeout=timeout, validate_certs=True, follow_redirects="none")
        try:
            return resp.status
        finally:
            resp.close()
    except HTTPError as exc:
        return exc.code
    except (URLError, OSError, socket.timeout, ValueError):
        return None


def pid_alive(pid):
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    # A zombie child of this process still answers kill(0); look at /proc when present.
    stat = "/proc/%d/stat" % pid
    if os.path.exists(stat):
        try:
            with open(stat) as handle:
                return handle.read().split(")")[-1].split()[0] != "Z"
        except OSError:
            return False
    return True


class LocalService:
    def __init__(self, name, data_dir, command=None, host="127.0.0.1", port=None, health_url=None,
                 health_status=(200,), env=None, cwd=None):
        self.name = name
        self.data_dir = data_dir
        self.command = list(command or [])
        self.host = host
        self.port = port
        self.health_url = health_url
        self.health_status = tuple(health_status)
        self.env = dict(env or {})
        self.cwd = cwd or data_dir
        self.pid_file = os.path.join(data_dir, name + ".pid")
        self.state_file = os.path.join(data_dir, name + ".json")
        self.log_file = os.path.join(data_dir, name + ".log")

    # -- observed state -----------------------------------------------------
    def recorded(self):
        try:
            with open(self.state_file) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {}

    def pid(self):
        try:
            with open(self.pid_file) as handle:
                return int(handle.read().strip() or 0)
        except (OSError, ValueError):
            return 0

    def desired_record(self):
        # The environment is recorded by key only: values may be secrets.
        return {"command": self.command, "cwd": self.cwd, "host": self.host, "port": self.port,
                "env_keys": sorted(self.env)}

    def matches(self):
        recorded, desired = self.recorded(), self.desired_record()
        if "cwd" not in recorded:  # recorded by an earlier version, which did not record the working directory
            desired.pop("cwd")
        return recorded == desired

    def healthy(self):
        if not self.health_url:
            return port_in_use(self.host, self.port) if self.port else True
        return http_status(self.health_url) in self.health_status

    def status(self):
        """One of: running, unhealthy, stopped (our process) and whether the record matches."""
        pid = self.pid()
        alive = pid_alive(pid)
        if not alive:
            return {"state": "stopped", "pid": None, "matches": False}
        return {
            "state": "running" if self.healthy() else "unhealthy",
            "pid": pid,
            "matches": self.matches(),
        }

    # -- transitions --------------------------------------------------------
    def preflight(self, port_option="port"):
        """Fails when the port is held by a process that is not this service."""
        st = self.status()
        if st["state"] == "stopped" and self.port and port_in_use(self.host, self.port):
            raise ServiceError(
                "%s: %s=%s on %s is already in use by another process; stop it or choose another port"
                % (self.name, port_option, self.port, self.host)
            )
        return st

    def start(self, timeout, stop_timeout=10):
        if not self.command:
            raise ServiceError("%s: command is required to start the service" % self.name)
        if not os.path.isdir(self.data_dir):
            os.makedirs(self.data_dir, 0o750)
        env = dict(os.environ)
        env.update(self.env)
        log = open(self.log_file, "ab")
        try:
            log.write(("\n--- %s starting %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), self.name)).encode())
            log.flush()
            # A new session: the service outlives this module's process and ansible's.
            proc = subprocess.Popen(
                self.command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=env, cwd=self.cwd, close_fds=True, start_new_session=True,
            )
        except OSError as exc:
            raise ServiceError("%s: cannot start %s: %s" % (self.name, self.command[0], exc))
        finally:
            log.close()
        with open(self.pid_file, "w") as handle:
            handle.write(str(proc.pid))
        with open(self.state_file, "w") as handle:
            json.dump(self.desired_record(), handle)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                raise ServiceError(
                    "%s exited with code %s while starting; see %s:\n%s"
                    % (self.name, proc.returncode, self.log_file, self.log_tail())
                )
            if self.healthy():
                return proc.pid
            time.sleep(0.25)
        self.stop(stop_timeout)
        raise ServiceError(
            "%s did not become healthy at %s within %ss; see %s:\n%s"
            % (self.name, self.health_url or "%s:%s" % (self.host, self.port), timeout, self.log_file, self.log_tail())
        )

    def stop(self, timeout):
        pid = self.pid()
        if pid_alive(pid):
            try:
                os.killpg(pid, signal.SIGTERM)
            except OSError:
                os.kill(pid, signal.SIGTERM)
            deadline = time.time() + timeout
            while pid_alive(pid) and time.time() < deadline:
                _reap(pid)
                time.sleep(0.1)
            if pid_alive(pid):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
                # SIGKILL cannot be ignored, but the process is gone (and its port free) only once the kernel
                # has ended it: wait for that, so that "stopped" is true and a restart finds the port free.
                deadline = time.time() + 5
                while pid_alive(pid) and time.time() < deadline:
                    _reap(pid)
                    time.sleep(0.05)
        for path in (self.pid_file, self.state_file):
            try:
                os.unlink(path)
            except OSError:
                pass

    def log_tail(self, lines=20):
        try:
            with open(self.log_file, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(0, handle.tell() - 8192))
                return b"\n".join(handle.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return ""


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except OSError:
        pass
