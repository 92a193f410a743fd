#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The dracut module without a VM: shellcheck, `dracut -a drvfw` against the
Debian kernel package's modules, and what lsinitrd shows inside; the
build-time refusal of a policy that would lock the machine out.

Uses the drvfw of the meson build (DRVFW_BIN) and the module from the source
tree. Exit 77 (loudly) where dracut cannot run here."""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'vm'))
import vmlib  # noqa: E402
from vmlib import SRCDIR, Skip  # noqa: E402

MODULE = os.path.join(SRCDIR, 'dracut-module', '90drvfw')
failures = []


def check(cond, msg):
    print(f'{"ok  " if cond else "FAIL"} {msg}', flush=True)
    if not cond:
        failures.append(msg)


def shellcheck():
    if not shutil.which('shellcheck'):
        subprocess.run(['apt-get', 'install', '-y', '-qq', 'shellcheck'], capture_output=True)
    if not shutil.which('shellcheck'):
        check(False, 'shellcheck is not installed and could not be installed')
        return
    r = subprocess.run(['shellcheck', '-s', 'bash', os.path.join(MODULE, 'module-setup.sh')],
                       capture_output=True, text=True)
    check(r.returncode == 0, f'shellcheck module-setup.sh\n{r.stdout}')
    hooks = [os.path.join(MODULE, f) for f in sorted(os.listdir(MODULE))
             if f != 'module-setup.sh' and f.endswith('.sh')]
    # The hooks run under dracut's /bin/sh (bash or dash): check them as POSIX sh.
    r = subprocess.run(['shellcheck', '-s', 'sh', '-e', 'SC1091'] + hooks, capture_output=True, text=True)
    check(r.returncode == 0, f'shellcheck -s sh {" ".join(os.path.basename(h) for h in hooks)}\n{r.stdout}')


LIB = os.path.join(os.environ.get('DRVFW_BUILDDIR', ''), 'boot', 'drvfw-lib.sh')


def on_error_cases():
    """drvfw-lib.sh reads on-error itself (a broken binary must not decide
    whether the boot stops): the same answer as drvfw for each case."""
    cases = [
        ({'drvfw.conf': '[drvfw]\nmode = enforce\n'}, 'allow'),
        ({'drvfw.conf': '[drvfw]\n  on-error  =  deny   # comment\n'}, 'deny'),
        ({'drvfw.conf': '[deny]\non-error = deny\n'}, 'allow'),
        ({'drvfw.conf': '[drvfw]\ninclude = confidential-guest\n'}, 'deny'),
        ({'drvfw.conf': '[drvfw]\ninclude = cis confidential-guest\non-error = allow\n'}, 'allow'),
        ({'drvfw.conf': '[drvfw]\non-error = deny\n', 'drvfw.conf.d/10-x.conf': '[drvfw]\non-error = allow\n'},
         'allow'),
        # drvfw.conf.d in byte order, as drvfw reads it (not the locale's)
        ({'drvfw.conf.d/B.conf': '[drvfw]\non-error = allow\n', 'drvfw.conf.d/a.conf': '[drvfw]\non-error = deny\n'},
         'deny'),
        # a continuation line and ';' as a list separator, as drvfw reads them
        ({'drvfw.conf': '[drvfw]\ninclude = cis;\n  confidential-guest\n'}, 'deny'),
        ({'drvfw.conf': '[drvfw]\n# on-error = deny\n; on-error = deny\nmode = enforce # on-error = deny\n'}, 'allow'),
    ]
    shell = shutil.which('dash') or 'sh'
    # Only what every image has: a dracut image has no tail, and a command
    # missing at boot made on-error read as "allow" (scenario 12).
    bindir = tempfile.mkdtemp(prefix='drvfw-bin-')
    for tool in ('sed',):
        os.symlink(shutil.which(tool), os.path.join(bindir, tool))
    for files, want in cases:
        with tempfile.TemporaryDirectory() as etc:
            for name, text in files.items():
                os.makedirs(os.path.dirname(os.path.join(etc, name)), exist_ok=True)
                with open(os.path.join(etc, name), 'w') as f:
                    f.write(text)
            script = (f'. {LIB}\n'
                      f'DRVFW_ETC={etc}\nDRVFW_PROFILES={os.path.join(SRCDIR, "profiles")}\n'
                      'drvfw_on_error "$DRVFW_ETC"\n')
            r = subprocess.run([shell, '-c', script], capture_output=True, text=True,
                               env=dict(os.environ, PATH=bindir))
            got = r.stdout.strip()
            check(got == want and not r.stderr, f'on-error read by the hooks is {got!r} for {files} (expected {want!r})'
                  + (f': {r.stderr.strip()}' if r.stderr else ''))
    shutil.rmtree(bindir, ignore_errors=True)


def verify_cases(tree, kver, moddir):
    """drvfw_boot_verify inside the image, as the cmdline hook runs it, with
    the digest of the image's policy as drvfw on this machine computes it."""
    r = subprocess.run([os.environ['DRVFW_BIN'], '--moddir', moddir, '--kver', kver, '--sysfs', '',
                        '--kallsyms', '', '--policy', os.path.join(tree, 'etc/drvfw/drvfw.conf'),
                        '--profiledir', os.path.join(tree, profiles_in_image()), '-q',
                        'generate', '--format', 'cmdline'], capture_output=True, text=True)
    digest = r.stdout.split()[0] if r.stdout.startswith('drvfw.policy=') else None
    check(digest is not None, f'the digest of the image\'s policy: {r.stdout[:80]!r} {r.stderr[-300:]}')
    if digest:
        vmlib.boot_verify_cases(tree, digest, ['/lib/drvfw-lib.sh', '/lib/drvfw-dracut.sh'], check)


def dracut(work, kver, moddir, policy, env=None, extra_conf=''):
    base = os.path.join(work, 'dracut-base')
    if not os.path.isdir(base):
        os.makedirs(os.path.join(base, 'modules.d'))
        for e in os.listdir('/usr/lib/dracut'):
            if e != 'modules.d':
                os.symlink(os.path.join('/usr/lib/dracut', e), os.path.join(base, e))
        for e in os.listdir('/usr/lib/dracut/modules.d'):
            os.symlink(os.path.join('/usr/lib/dracut/modules.d', e), os.path.join(base, 'modules.d', e))
        # the source module, plus the paths file meson generates for this build
        mod = os.path.join(base, 'modules.d', '90drvfw')
        os.makedirs(mod)
        for e in os.listdir(MODULE):
            os.symlink(os.path.join(MODULE, e), os.path.join(mod, e))
        paths = os.path.join(os.environ.get('DRVFW_BUILDDIR', ''), 'dracut-module', 'drvfw-paths.sh')
        if os.path.exists(paths):
            os.symlink(paths, os.path.join(mod, 'drvfw-paths.sh'))
    pdir = os.path.join(work, 'policy')
    shutil.rmtree(pdir, ignore_errors=True)
    os.makedirs(pdir)
    with open(os.path.join(pdir, 'drvfw.conf'), 'w') as f:
        f.write(policy)
    builddir = os.environ.get('DRVFW_BUILDDIR', '')
    rules = os.path.join(builddir, 'udev-rules', '60-drvfw.rules')
    conf = os.path.join(work, 'dracut.conf')
    with open(conf, 'w') as f:
        f.write(f'drvfw_binary="{os.environ["DRVFW_BIN"]}"\n'
                f'drvfw_confdir="{pdir}"\n'
                f'drvfw_udev_rules="{rules}"\n'
                f'drvfw_profiledir="{os.path.join(SRCDIR, "profiles")}"\n'
                f'drvfw_lib="{LIB}"\n')
    os.makedirs(os.path.join(work, 'conf.d'), exist_ok=True)
    img = os.path.join(work, 'initramfs.img')
    cmd = ['dracut', '--force', '--no-hostonly', '--no-hostonly-cmdline', '--no-compress',
           '--no-early-microcode', '--kver', kver, '--kmoddir', moddir,
           '--conf', conf, '--confdir', os.path.join(work, 'conf.d'), '--tmpdir', work,
           '-m', 'bash base udev-rules', '--drivers', 'e1000 virtio_blk ext4', '-a', 'drvfw', img]
    if extra_conf:
        with open(conf, 'a') as f:
            f.write(extra_conf)
    r = subprocess.run(cmd, capture_output=True, text=True,
                       env=dict(os.environ, dracutbasedir=base, **(env or {})))
    return r.returncode, img, r.stdout + r.stderr


def module_check(work, policy):
    """The exit status of the module's check() with @policy (None: no policy)."""
    pdir = os.path.join(work, 'check-policy')
    shutil.rmtree(pdir, ignore_errors=True)
    os.makedirs(pdir)
    if policy is not None:
        with open(os.path.join(pdir, 'drvfw.conf'), 'w') as f:
            f.write(policy)
    script = (f'moddir={MODULE}\ndrvfw_confdir={pdir}\ndrvfw_lib={LIB}\n'
              f'. {MODULE}/module-setup.sh\ncheck\n')
    return subprocess.run(['bash', '-c', script]).returncode


def bin_in_image():
    """Where this build's drvfw is in the image: its sbindir, as the library records it."""
    for line in open(LIB):
        if line.startswith('DRVFW='):
            return line.split('=', 1)[1].strip().strip('"').lstrip('/')
    return 'usr/sbin/drvfw'


def profiles_in_image():
    """Where this build's drvfw looks for profiles (it follows the prefix)."""
    paths = os.path.join(os.environ.get('DRVFW_BUILDDIR', ''), 'dracut-module', 'drvfw-paths.sh')
    d = '/usr/share/drvfw/profiles'
    if os.path.exists(paths):
        for line in open(paths):
            if line.startswith('drvfw_image_profiledir='):
                d = line.split('=', 1)[1].strip().strip('"')
    return d.lstrip('/')


def lsinitrd(img, *args):
    return subprocess.run(['lsinitrd'] + list(args) + [img], capture_output=True, text=True,
                          errors='replace').stdout


def main():
    if 'DRVFW_BIN' not in os.environ:
        print('usage: run through meson test (needs DRVFW_BIN, DRVFW_BUILDDIR)', file=sys.stderr)
        return 2
    try:
        vmlib.ensure_tools()
        kver, kroot = vmlib.ensure_kernel()
    except Skip as e:
        print(f'SKIPPED: the dracut test cannot run here: {e}', file=sys.stderr)
        return 77
    moddir = os.path.join(kroot, 'lib', 'modules', kver)

    shellcheck()
    on_error_cases()

    with tempfile.TemporaryDirectory(prefix='drvfw-dracut-') as work:
        policy = ('[drvfw]\nmode = enforce\ninclude = legacy-protocols\n[deny]\ndrivers = pci:e1000\n'
                  '[autoload]\ndeny = net-pf-2-proto-132\n'
                  '[device "1af4:1000"]\naction = bind=vfio-pci\n')
        rc, img, out = dracut(work, kver, moddir, policy)
        check(rc == 0, f'dracut -a drvfw builds (exit {rc})' + ('' if rc == 0 else f'\n{out[-3000:]}'))
        if rc == 0:
            files = lsinitrd(img)
            for path in (bin_in_image(), 'etc/drvfw/drvfw.conf', 'etc/modprobe.d/00-drvfw.conf',
                         'rules.d/60-drvfw.rules', 'lib/drvfw-lib.sh', 'lib/drvfw-dracut.sh',
                         'lib/dracut/hooks/cmdline/00-drvfw-cmdline.sh',
                         'lib/dracut/hooks/pre-udev/00-drvfw-gate.sh',
                         'lib/dracut/hooks/pre-pivot/50-drvfw-enforce.sh',
                         'lib/dracut/hooks/cmdline/01-drvfw-guard.sh',
                         'lib/dracut/hooks/pre-pivot/51-drvfw-guard-pivot.sh', 'lib/drvfw/guard.maps',
                         'bin/false', 'libkmod.so', 'libudev.so', 'libsmartcols.so',
                         profiles_in_image() + '/legacy-protocols.conf',
                         # the bind= rule's driver, with what it needs
                         'vfio-pci.ko', 'vfio-pci-core.ko', 'vfio.ko'):
                check(path in files, f'lsinitrd shows {path}')
            # only the profiles the policy includes
            check(profiles_in_image() + '/cis.conf' not in files, 'a profile the policy does not include is left out')
            conf = lsinitrd(img, '-f', 'etc/modprobe.d/00-drvfw.conf')
            check('install e1000 /bin/false' in conf and 'blacklist e1000' in conf,
                  'the image\'s modprobe.d blocks e1000 (blacklist + install /bin/false)')
            check(kver in conf, f'the image\'s modprobe.d was generated for kernel {kver}')
            check('proto_132' in conf.replace('-', '_'), 'the image\'s modprobe.d handles the denied autoload alias')
            if os.geteuid() == 0:
                tree = os.path.join(work, 'tree')
                os.makedirs(tree)
                with open(img, 'rb') as f:
                    subprocess.run(['cpio', '-idm', '--quiet'], stdin=f, cwd=tree)
                r = subprocess.run(['chroot', tree, '/' + bin_in_image(), '--version'], capture_output=True, text=True)
                check(r.returncode == 0, f'drvfw runs inside the image (its libraries are there): {r.stderr.strip()}')
                # libkmod, which drvfw loads with dlopen(): the index the
                # boot builds reads the image's module database through it
                r = subprocess.run(['chroot', tree, '/' + bin_in_image(), '-q', '--kver', kver, 'index',
                                    '-o', '/drvfw-index-test.bin'], capture_output=True, text=True)
                check(r.returncode == 0 and os.path.getsize(os.path.join(tree, 'drvfw-index-test.bin')) > 0,
                      f'drvfw index runs inside the image (libkmod is there): {r.stderr.strip()[-300:]}')
                check('modules.drvfw.bin' not in files, 'the image holds no decision index (the boot builds it)')
                verify_cases(tree, kver, moddir)
                hook = os.path.join(tree, 'lib/dracut/hooks/cmdline/00-drvfw-cmdline.sh')
                calls = [line.strip() for line in open(hook) if line.startswith('drvfw_boot_')]
                check(calls == ['drvfw_boot_cmdline', 'drvfw_boot_verify'],
                      f'the cmdline hook: the off switch and command line, then drvfw.policy= ({calls})')
                # the guard's maps were built for this kernel's whole database, with this policy
                r = subprocess.run(['chroot', tree, '/' + bin_in_image(), '--kver', kver, 'guard', '--maps',
                                    '/lib/drvfw/guard.maps', '--decide', 'net-pf-2-proto-132', 'fs-ext4', 'e1000'],
                                   capture_output=True, text=True)
                check(r.stdout.split('\n')[:3] == ['net-pf-2-proto-132 deny autoload', 'fs-ext4 allow -',
                                                   'e1000 deny modules'],
                      f'the image\'s guard maps decide as the policy says: {r.stdout!r} {r.stderr.strip()}')

        rc, img, out = dracut(work, kver, moddir, policy, extra_conf='drvfw_guard=no\n')
        files = lsinitrd(img) if rc == 0 else ''
        check(rc == 0 and 'guard.maps' not in files and 'drvfw-guard' not in files,
              'drvfw_guard=no leaves the guard out of the image')

        rc, img, out = dracut(work, kver, moddir, '[deny]\ndrivers = ALL:ALL\n')
        check(rc != 0 and "'drvfw check' failed" in out,
              'dracut refuses a policy that denies the root disk or console driver of this machine')
        rc, img, out = dracut(work, kver, moddir, '[deny]\ndrivers = ALL:ALL\n', env={'DRVFW_FORCE': '1'})
        check(rc == 0, 'DRVFW_FORCE=1 builds it anyway' + ('' if rc == 0 else f'\n{out[-2000:]}'))
        # An image for another machine: its command line, not this machine, is checked.
        for conf, what in (('drvfw_target_cmdline="root=/dev/vda1 console=ttyS0"\n', 'drvfw_target_cmdline'),
                           ('kernel_cmdline="root=/dev/vda1 console=ttyS0"\n', "dracut's kernel_cmdline")):
            rc, img, out = dracut(work, kver, moddir, '[deny]\ndrivers = ALL:ALL\n', extra_conf=conf)
            check(rc != 0 and "checked against the target machine of the command line 'root=/dev/vda1 "
                  "console=ttyS0'" in out and 'every driver the console ttyS0 can have' in out
                  and 'console=ttyS0 of the target' in out,
                  f'with {what}, dracut checks the target machine and names it' + ('' if rc != 0 else f'\n{out[-2000:]}'))
        rc, img, out = dracut(work, kver, moddir, '[deny]\ndrivers = pci:e1000 nonsense\n')
        check(rc != 0 and 'is invalid' in out, 'dracut refuses an invalid policy, and says it is invalid')
        # Forcing is for lock-out refusals: with it, an invalid policy must
        # still fail, and the message must not suggest forcing.
        rc, img, out = dracut(work, kver, moddir, '[deny]\ndrivers = pci:e1000 nonsense\n',
                              extra_conf='drvfw_force=yes\n')
        check(rc != 0 and 'is invalid' in out and 'DRVFW_FORCE' not in out and 'drvfw_force' not in out,
              'drvfw_force=yes does not build an invalid policy, and the message does not suggest forcing'
              + ('' if rc != 0 else f'\n{out[-2000:]}'))
        # Without a policy the module is not included by itself (check() 255)
        # and with one it is (check() 0): a policy is the decision.
        check(module_check(work, None) == 255, 'no policy: the module is not included by itself')
        check(module_check(work, '[deny]\ndrivers = pci:e1000\n') == 0, 'a policy: the module is included')

    if failures:
        print(f'{len(failures)} check(s) failed', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
