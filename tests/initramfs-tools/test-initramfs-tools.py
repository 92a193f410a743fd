#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The initramfs-tools integration without a VM: shellcheck of it and of the
shared library, the library's off switch, then mkinitramfs in a Debian 12
root (tests/lib/debian-root.sh) with this build's drvfw, for the Debian
kernel package's modules: what goes into the image with and without a
policy, the boot order, the check of drvfw.policy= inside the image, an
invalid policy (forced or not), a lock-out
refusal for the target machine (DRVFW_TARGET_CMDLINE) and for this one, and
its override, a chroot without /proc and no target, DRVFW_INITRAMFS=no.

Root (chroot), network to Debian's archive the first time. Exit 77 (loudly)
where it cannot run."""

import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'vm'))
import vmlib  # noqa: E402
from vmlib import SRCDIR, Failure, Skip  # noqa: E402

BUILD = os.environ.get('DRVFW_BUILDDIR', '')
LIB = os.path.join(BUILD, 'boot', 'drvfw-lib.sh')
ITOOLS = os.path.join(SRCDIR, 'initramfs-tools')
failures = []


def check(cond, msg):
    print(f'{"ok  " if cond else "FAIL"} {msg}', flush=True)
    if not cond:
        failures.append(msg)


def shellcheck():
    if not shutil.which('shellcheck'):
        check(False, 'shellcheck is not installed')
        return
    files = [LIB, os.path.join(ITOOLS, 'hooks', 'drvfw.in'),
             os.path.join(ITOOLS, 'scripts', 'init-top', 'drvfw'),
             os.path.join(ITOOLS, 'scripts', 'init-bottom', 'drvfw'),
             os.path.join(ITOOLS, 'scripts', 'drvfw-functions'),
             os.path.join(SRCDIR, 'kernel', 'drvfw-kernel-hook.in')]
    # run under busybox sh, klibc sh and dash: POSIX sh
    r = subprocess.run(['shellcheck', '-s', 'sh', '-e', 'SC1091'] + files, capture_output=True, text=True)
    check(r.returncode == 0, 'shellcheck -s sh of the library, the hook, the boot scripts, the kernel hook'
          + ('' if r.returncode == 0 else f'\n{r.stdout}'))


def off_switch():
    """drvfw_disabled as dracut's getargbool reads rd.drvfw: the last one
    wins, a bare rd.drvfw is on; under each shell the scripts meet."""
    cases = [('quiet', False), ('rd.drvfw=0', True), ('rd.drvfw=no', True), ('rd.drvfw=off', True),
             ('rd.drvfw=false', True), ('rd.drvfw=0 rd.drvfw=1', False), ('rd.drvfw=1 rd.drvfw=0', True),
             ('rd.drvfw', False), ('xrd.drvfw=0', False), ('rd.drvfw=0x', False), ('rd.drvfw=warn', False),
             ('a=* rd.drvfw=0', True)]
    shells = [s for s in (shutil.which('dash'), shutil.which('bash')) if s]
    if shutil.which('busybox'):
        shells.append('busybox sh')
    for sh in shells:
        for line, want in cases:
            script = f'. {LIB}\ndrvfw_cmdline() {{ echo "$CMD"; }}\ndrvfw_disabled && echo off || echo on\n'
            r = subprocess.run(sh.split() + ['-c', script], capture_output=True, text=True,
                               env=dict(os.environ, CMD=line))
            got = r.stdout.strip() == 'off'
            check(got == want, f'{os.path.basename(sh.split()[0])}: drvfw_disabled for {line!r} is {got}')
            # the guard's own switch reads the same way, and only its own word
            gline = line.replace('rd.drvfw', 'rd.drvfw.guard')
            script = f'. {LIB}\ndrvfw_cmdline() {{ echo "$CMD"; }}\ndrvfw_guard_off && echo off || echo on\n'
            for cmd, gwant in ((gline, want), (line, False)):
                r = subprocess.run(sh.split() + ['-c', script], capture_output=True, text=True,
                                   env=dict(os.environ, CMD=cmd))
                got = r.stdout.strip() == 'off'
                check(got == gwant, f'{os.path.basename(sh.split()[0])}: drvfw_guard_off for {cmd!r} is {got}')


class Root:
    """The Debian root of the VM harness, for mkinitramfs."""

    def __init__(self):
        vmlib.ensure_tools()
        self.kver, self.kroot = vmlib.ensure_kernel()
        self.moddir = os.path.join(self.kroot, 'lib', 'modules', self.kver)
        self.build_error = None
        self.stage = vmlib.build_drvfw()
        self.root = vmlib.prepare_itools_root(self)

    def mkinitramfs(self, policy, settings='', files=None, unshare_sys=False):
        """(rc, output, unpacked image dir or None)."""
        etc = os.path.join(self.root, 'etc', 'drvfw')
        shutil.rmtree(etc, ignore_errors=True)
        if policy is not None:
            vmlib.write(os.path.join(etc, 'drvfw.conf'), policy)
        for name, text in (files or {}).items():
            vmlib.write(os.path.join(etc, name), text)
        vmlib.write(os.path.join(self.root, 'etc', 'initramfs-tools', 'conf.d', 'drvfw'), settings)
        img = os.path.join(self.root, 'tmp', 'test.img')
        if os.path.exists(img):
            os.unlink(img)
        cmd = ['chroot', self.root, '/usr/bin/env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
               'mkinitramfs', '-o', '/tmp/test.img', self.kver]
        if unshare_sys:
            # This machine's /sys and /proc in the root, for drvfw check to see
            # a root device and consoles; in a mount namespace of its own.
            cmd = ['unshare', '-m', 'sh', '-c',
                   'mount --bind /sys "$0/sys" && mount -t proc proc "$0/proc" && mount --bind /dev "$0/dev"'
                   ' && exec "$@"', self.root] + cmd
        r = subprocess.run(cmd, capture_output=True, text=True)
        out = r.stdout + r.stderr
        tree = None
        if r.returncode == 0 and os.path.exists(img):
            tree = tempfile.mkdtemp(prefix='drvfw-it-', dir=os.path.join(vmlib.CACHE))
            vmlib.unpack_image(img, tree)
        return r.returncode, out, tree


def exists(tree, path):
    return os.path.lexists(os.path.join(tree, path))


def order(tree, d):
    p = os.path.join(tree, 'scripts', d, 'ORDER')
    if not os.path.exists(p):
        return []
    return [line.split()[0].rsplit('/', 1)[-1] for line in open(p) if line.startswith('/scripts/')]


def main():
    if 'DRVFW_BIN' not in os.environ:
        print('usage: run through meson test (needs DRVFW_BIN, DRVFW_BUILDDIR)', file=sys.stderr)
        return 2
    shellcheck()
    off_switch()
    try:
        root = Root()
    except Skip as e:
        print(f'SKIPPED: mkinitramfs cannot run here: {e}', file=sys.stderr)
        return 77 if not failures else 1
    except Failure as e:
        check(False, f'setting up the Debian root: {e}')
        return 1
    trees = []
    try:
        policy = ('[drvfw]\nmode = enforce\ninclude = legacy-protocols\n[deny]\ndrivers = pci:e1000\n'
                  '[autoload]\ndeny = net-pf-2-proto-132\n[device "1af4:1000"]\naction = bind=vfio-pci\n')
        # The chroot has no /proc: the image names the machine it is for.
        target = 'root=/dev/vda1 rootfstype=ext4 console=ttyS0,115200'
        settings = f'DRVFW_TARGET_CMDLINE="{target}"\n'
        rc, out, t = root.mkinitramfs(policy, settings=settings,
                                      files={'drvfw.conf.d/50-local.conf': '[deny]\ndrivers = pci:e100\n'})
        check(rc == 0, 'mkinitramfs builds with a policy' + ('' if rc == 0 else f'\n{out[-3000:]}'))
        check(f"checked against the target machine of the command line '{target}' with kernel {root.kver}" in out
              and f"the policy was checked for kernel {root.kver} against the target machine's command line" in out,
              'the build says which machine the policy was checked against')
        if t:
            trees.append(t)
            for path in ('usr/sbin/drvfw', 'etc/drvfw/drvfw.conf', 'etc/drvfw/drvfw.conf.d/50-local.conf',
                         'etc/modprobe.d/00-drvfw.conf', 'usr/lib/udev/rules.d/60-drvfw.rules',
                         'usr/lib/drvfw-lib.sh', 'scripts/drvfw-functions', 'scripts/init-top/drvfw',
                         'scripts/init-bottom/drvfw', 'usr/bin/false',
                         'usr/share/drvfw/profiles/legacy-protocols.conf', 'usr/lib/drvfw/guard.maps'):
                check(exists(t, path), f'the image has {path}')
            check(not exists(t, 'usr/share/drvfw/profiles/cis.conf'), 'a profile the policy does not include is left out')
            vfio = [f for f in ('vfio-pci.ko', 'vfio-pci-core.ko', 'vfio.ko')
                    if not any(f in names for _, _, names in os.walk(os.path.join(t, 'usr/lib/modules')))]
            check(not vfio, f'the bind= driver vfio-pci is in the image with what it needs (missing: {vfio})')
            conf = open(os.path.join(t, 'etc/modprobe.d/00-drvfw.conf')).read()
            check(f'# drvfw generate: kernel {root.kver},' in conf, f'its modprobe.d was generated for {root.kver}')
            check('install e1000 /bin/false' in conf and 'install e100 /bin/false' in conf,
                  'it blocks e1000 (drvfw.conf) and e100 (the drop-in)')
            want = subprocess.run(['chroot', root.root, 'drvfw', '--kver', root.kver, 'generate'],
                                  capture_output=True, text=True).stdout
            check(conf == want, 'it is what drvfw generates for that kernel in the root')
            calls = [line.strip() for line in open(os.path.join(t, 'scripts/init-top/drvfw'))
                     if line.startswith('drvfw_boot_')]
            check(calls == ['drvfw_boot_cmdline', 'drvfw_boot_verify', 'drvfw_boot_guard', 'drvfw_boot_gate'],
                  f'init-top/drvfw: the off switch and command line, drvfw.policy=, the guard, then the gate ({calls})')
            calls = [line.strip() for line in open(os.path.join(t, 'scripts/init-bottom/drvfw'))
                     if line.startswith('drvfw_boot_')]
            check(calls == ['drvfw_boot_enforce', 'drvfw_boot_guard_refresh "${rootmnt:-/root}"'],
                  f'init-bottom/drvfw: enforce, then the guard\'s refresh from the real root ({calls})')
            top = order(t, 'init-top')
            check('drvfw' in top and 'udev' in top and top.index('drvfw') < top.index('udev'),
                  f'init-top/drvfw runs before init-top/udev (ORDER: {top})')
            bottom = order(t, 'init-bottom')
            check('drvfw' in bottom and 'udev' in bottom and bottom.index('drvfw') < bottom.index('udev'),
                  f'init-bottom/drvfw runs before init-bottom/udev stops udevd (ORDER: {bottom})')
            r = subprocess.run(['chroot', t, '/usr/sbin/drvfw', '--version'], capture_output=True, text=True)
            check(r.returncode == 0, f'drvfw runs inside the image (its libraries are there): {r.stderr.strip()}')
            # the guard's maps: this kernel's whole database (e1000 is not in the image), this policy
            r = subprocess.run(['chroot', t, '/usr/sbin/drvfw', '--kver', root.kver, 'guard', '--maps',
                                '/lib/drvfw/guard.maps', '--decide', 'net-pf-2-proto-132', 'fs-ext4', 'e1000'],
                               capture_output=True, text=True)
            check(r.stdout.split('\n')[:3] == ['net-pf-2-proto-132 deny autoload', 'fs-ext4 allow -',
                                               'e1000 deny modules'],
                  f'the image\'s guard maps decide as the policy says: {r.stdout!r} {r.stderr.strip()}')
            # libkmod, which drvfw loads with dlopen(): the index the boot
            # builds reads the image's module database through it
            r = subprocess.run(['chroot', t, '/usr/sbin/drvfw', '-q', '--kver', root.kver, 'index',
                                '-o', '/drvfw-index-test.bin'], capture_output=True, text=True)
            check(r.returncode == 0 and os.path.getsize(os.path.join(t, 'drvfw-index-test.bin')) > 0,
                  f'drvfw index runs inside the image (libkmod is there): {r.stderr.strip()[-300:]}')
            check(not glob.glob(os.path.join(t, 'usr/lib/modules/*/modules.drvfw.bin')) and
                  not glob.glob(os.path.join(t, 'lib/modules/*/modules.drvfw.bin')),
                  'the image holds no decision index (the boot builds it)')
            # drvfw.policy= (drvfw bootcfg) against the image's policy, under
            # the image's busybox sh, sourced as init-top/drvfw does
            r = subprocess.run(['chroot', root.root, 'drvfw', '--kver', root.kver, '-q', 'generate',
                                '--format', 'cmdline'], capture_output=True, text=True)
            digest = r.stdout.split()[0] if r.stdout.startswith('drvfw.policy=') else None
            check(digest is not None, f'the digest of the root\'s policy: {r.stdout[:80]!r} {r.stderr[-300:]}')
            if digest:
                vmlib.boot_verify_cases(t, digest, ['/scripts/functions', '/lib/drvfw-lib.sh',
                                                    '/scripts/drvfw-functions'], check)

        # Busybox not installed (BUSYBOX=auto, Debian's default; busybox is
        # only recommended): klibc's utilities have no sed or rm, and without
        # sed the boot's scan read on-error = deny as allow.
        # (out of their directories: mkinitramfs runs and sources any name there)
        bb = [os.path.join(root.root, 'usr/share/initramfs-tools', f)
              for f in ('conf-hooks.d/busybox', 'hooks/zz-busybox')]
        aside = [os.path.join(root.root, 'tmp', 'drvfw-test-aside-' + os.path.basename(os.path.dirname(f)))
                 for f in bb]
        try:
            for f, a in zip(bb, aside):
                if os.path.exists(f):
                    os.rename(f, a)
            # (the root's initramfs.conf says BUSYBOX=y, which would refuse)
            rc, out, t = root.mkinitramfs('[drvfw]\non-error = deny\n[deny]\ndrivers = pci:e1000\n',
                                          settings=settings + 'BUSYBOX=auto\n')
        finally:
            for f, a in zip(bb, aside):
                if os.path.exists(a):
                    os.rename(a, f)
        check(rc == 0, 'mkinitramfs builds without busybox' + ('' if rc == 0 else f'\n{out[-3000:]}'))
        if t:
            trees.append(t)
            check(not exists(t, 'usr/bin/busybox') and not exists(t, 'bin/busybox'), 'no busybox in that image')
            for tool in ('sed', 'rm'):
                check(exists(t, f'usr/bin/{tool}') or exists(t, f'bin/{tool}'), f'but {tool}, which the boot steps use')
            # /dev as at boot (the image mounts it at run time)
            os.makedirs(os.path.join(t, 'dev'), exist_ok=True)
            r = subprocess.run(['unshare', '-m', 'sh', '-c', 'mount --bind /dev "$1/dev" && chroot "$1" /bin/sh -c "$2"',
                                'sh', t, '. /usr/lib/drvfw-lib.sh; drvfw_on_error /etc/drvfw'],
                               capture_output=True, text=True)
            check(r.stdout.strip() == 'deny',
                  f'its klibc sh reads on-error = deny from the image\'s policy: {r.stdout!r} {r.stderr[-300:]!r}')

        rc, out, t = root.mkinitramfs(None)
        check(rc == 0, 'mkinitramfs builds without a policy')
        if t:
            trees.append(t)
            check(not exists(t, 'usr/sbin/drvfw') and not exists(t, 'usr/lib/drvfw-lib.sh')
                  and not exists(t, 'etc/modprobe.d/00-drvfw.conf'),
                  'without a policy the image has no drvfw, library or modprobe.d file')
            check(exists(t, 'scripts/init-top/drvfw'), '(its boot scripts are there, and do nothing without the library)')

        rc, out, t = root.mkinitramfs(policy, settings='DRVFW_INITRAMFS=no\n')
        if t:
            trees.append(t)
        check(rc == 0 and t and not exists(t, 'usr/sbin/drvfw'), 'DRVFW_INITRAMFS=no leaves drvfw out')

        rc, out, t = root.mkinitramfs(policy, settings=settings + 'DRVFW_GUARD=no\n')
        if t:
            trees.append(t)
        check(rc == 0 and t and exists(t, 'usr/sbin/drvfw') and not exists(t, 'usr/lib/drvfw/guard.maps'),
              'DRVFW_GUARD=no leaves the guard\'s maps out, drvfw in')

        bad = '[deny]\ndrivers = pci:e1000 nonsense\n'
        rc, out, t = root.mkinitramfs(bad)
        check(rc != 0 and 'is invalid' in out, 'an invalid policy fails the build, saying it is invalid')
        rc, out, t = root.mkinitramfs(bad, settings='DRVFW_FORCE=yes\n')
        check(rc != 0 and 'is invalid' in out and 'DRVFW_FORCE' not in out,
              'DRVFW_FORCE=yes does not build an invalid policy, and the message does not suggest forcing')

        # Without a target, in a chroot without /proc, nothing could be checked: refused, saying so.
        rc, out, t = root.mkinitramfs(policy)
        check(rc != 0 and "could not find the root device or consoles of this build machine" in out
              and 'DRVFW_TARGET_CMDLINE' in out and 'all allowed' not in out,
              'without /proc and without a target the build fails, and says how to name the target'
              + ('' if rc != 0 else f'\n{out[-2000:]}'))
        # The target's console: deny ALL:ALL leaves ttyS0 no driver (kernel facts, no sysfs).
        rc, out, t = root.mkinitramfs('[deny]\ndrivers = ALL:ALL\n', settings=settings)
        check(rc != 0 and 'every driver the console ttyS0 can have' in out
              and 'console=ttyS0 of the target' in out and 'DRVFW_FORCE=yes' in out,
              'deny ALL:ALL is refused for the target machine, naming its console and the source'
              + ('' if rc != 0 else f'\n{out[-2000:]}'))

        # The lock-out check against this machine's root device and console.
        dev = subprocess.run(['findmnt', '-n', '-o', 'SOURCE', '/'], capture_output=True, text=True).stdout.strip()
        cons = [c.split()[0] for c in open('/proc/consoles')] if os.path.exists('/proc/consoles') else []
        if dev.startswith('/dev/') and cons:
            target = f'DRVFW_ROOT_DEVICE={dev}\nDRVFW_CONSOLE="{" ".join(cons)}"\n'
            rc, out, t = root.mkinitramfs('[deny]\ndrivers = ALL:ALL\n', settings=target, unshare_sys=True)
            check(rc != 0 and "'drvfw check' failed" in out and 'DRVFW_FORCE=yes' in out
                  and f'root device {dev}' in out,
                  f'deny ALL:ALL is refused for this machine ({dev}, {" ".join(cons)}), naming what it checked'
                  + ('' if rc != 0 else f'\n{out[-2000:]}'))
            rc, out, t = root.mkinitramfs('[deny]\ndrivers = ALL:ALL\n', settings=target + 'DRVFW_FORCE=yes\n',
                                          unshare_sys=True)
            if t:
                trees.append(t)
            check(rc == 0, 'DRVFW_FORCE=yes builds it anyway' + ('' if rc == 0 else f'\n{out[-2000:]}'))
            check(f'root device {dev}' in out and '(forced)' in out, 'and says it was forced, and against what')
        else:
            print('note: no root block device or console here: the lock-out refusal is not checked', file=sys.stderr)
    finally:
        for t in trees:
            shutil.rmtree(t, ignore_errors=True)
    if failures:
        print(f'{len(failures)} check(s) failed', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
