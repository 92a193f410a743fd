# SPDX-License-Identifier: GPL-2.0-or-later
"""The host half of the VM tests: tools, kernel, drvfw build, initramfs,
test root, qemu, and the parser of the guest's records.

Everything expensive is cached under DRVFW_VM_CACHE (default
/var/tmp/drvfw-vm) and the kernel under DRVFW_KERNEL_CACHE (default
/var/cache/drvfw-kernel), so a second run only rebuilds what changed.
"""

import glob
import hashlib
import json
import lzma
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time

SKIP = 77

SRCDIR = os.path.abspath(os.environ.get('DRVFW_SRCDIR') or
                         os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
VMDIR = os.path.join(SRCDIR, 'tests', 'vm')
# One directory per source tree: two checkouts (or two helpers) must not
# build into, or boot from, each other's files.
CACHE = os.path.join(os.environ.get('DRVFW_VM_CACHE', '/var/tmp/drvfw-vm'),
                     os.path.basename(SRCDIR) + '-' + hashlib.sha256(SRCDIR.encode()).hexdigest()[:8])
KCACHE = os.environ.get('DRVFW_KERNEL_CACHE', '/var/cache/drvfw-kernel')

# What the harness runs, by the Debian package that ships it.
TOOLS = {
    'qemu-system-x86_64': 'qemu-system-x86',
    'dracut': 'dracut-core',
    'busybox': 'busybox-static',
    'depmod': 'kmod',
    'mke2fs': 'e2fsprogs',
    'debugfs': 'e2fsprogs',
    'cpio': 'cpio',
    'gcc': 'gcc',
    'meson': 'meson',
    'ninja': 'ninja-build',
    'pkg-config': 'pkg-config',
    'apt-get': 'apt',
    'unmkinitramfs': 'initramfs-tools-core',
    'zstd': 'zstd',
    # the in-kernel guard (scenarios 30-33)
    'clang': 'clang',
    'bpftool': 'bpftool',
}
# drvfw's own build dependencies (the harness builds it).
BUILD_PACKAGES = ['libkmod-dev', 'libudev-dev', 'libsmartcols-dev', 'libc6-dev', 'libbpf-dev']

# Drivers put into every test initramfs: the emulated devices' drivers,
# the root file system's, the protocols the autoload scenario opens, and
# three modules without dependencies the guard scenarios insmod.
DRIVERS = ('e1000 virtio_pci virtio_net virtio_blk virtio_rng virtio_console '
           'xhci_pci xhci_hcd usb_storage sd_mod snd_hda_intel snd_hda_codec_generic '
           'ext4 dccp dccp_ipv4 sctp dummy ifb nlmon')


class Skip(Exception):
    """The machine cannot run the VM tests at all (exit 77)."""


class Failure(Exception):
    """A scenario's assertion or a step of the harness failed."""


def log(msg):
    print(f'vm: {msg}', file=sys.stderr, flush=True)


def run(cmd, check=True, quiet=False, **kw):
    if not quiet:
        log('+ ' + ' '.join(str(c) for c in cmd))
    r = subprocess.run(cmd, text=True, capture_output=True, **kw)
    if check and r.returncode != 0:
        raise Failure(f"'{' '.join(str(c) for c in cmd)}' exited {r.returncode}:\n"
                      f'{r.stdout[-3000:]}{r.stderr[-3000:]}')
    return r


# ---------------------------------------------------------------- tools

def _installed(pkg):
    r = subprocess.run(['dpkg-query', '-W', '-f=${Status}', pkg], capture_output=True, text=True)
    return r.returncode == 0 and 'install ok installed' in r.stdout


def ensure_tools():
    """Installs what is missing from Debian's packages; Skip if impossible."""
    missing = sorted({pkg for tool, pkg in TOOLS.items() if not shutil.which(tool)} |
                     {pkg for pkg in BUILD_PACKAGES if shutil.which('dpkg-query') and not _installed(pkg)})
    if not os.path.exists('/usr/lib/x86_64-linux-gnu/libc.a'):
        missing.append('libc6-dev')
    if missing:
        if os.geteuid() != 0 or not shutil.which('apt-get'):
            raise Skip(f'missing {" ".join(missing)} and cannot install them (need root and apt-get)')
        log(f'installing {" ".join(missing)}')
        env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
        r = subprocess.run(['apt-get', 'install', '-y', '--no-install-recommends'] + missing, env=env)
        if r.returncode != 0:
            subprocess.run(['apt-get', 'update'], env=env)
            r = subprocess.run(['apt-get', 'install', '-y', '--no-install-recommends'] + missing, env=env)
        if r.returncode != 0:
            raise Skip(f'apt-get install {" ".join(missing)} failed')
    if os.geteuid() != 0:
        raise Skip('the VM tests run as root (dracut, mke2fs -d of a root tree)')


def qemu_probe():
    """Skip, rather than fail every scenario, where qemu cannot start a
    machine at all (a container without the syscalls it needs, no memory)."""
    p = subprocess.Popen(['qemu-system-x86_64', '-M', 'none', '-accel', 'tcg', '-nodefaults',
                          '-no-user-config', '-display', 'none', '-m', '16'],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = p.communicate(timeout=2)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return
    raise Skip(f'qemu-system-x86_64 cannot start a machine here (exit {p.returncode}): {out.strip()[-500:]}')


def accel():
    """KVM only where the CPU says it can: /dev/kvm without vmx/svm hangs the guest here."""
    if os.environ.get('DRVFW_VM_ACCEL'):
        return os.environ['DRVFW_VM_ACCEL']
    try:
        flags = open('/proc/cpuinfo').read()
    except OSError:
        flags = ''
    if re.search(r'\b(vmx|svm)\b', flags) and os.access('/dev/kvm', os.R_OK | os.W_OK):
        return 'kvm'
    return 'tcg'


# ---------------------------------------------------------------- kernel

def _kernel_ready(root):
    vers = sorted(glob.glob(os.path.join(root, 'lib/modules/*/modules.dep')))
    for dep in vers:
        kver = dep.split('/')[-2]
        if os.path.exists(os.path.join(root, 'boot', f'vmlinuz-{kver}')):
            return kver
    return None


def ensure_kernel():
    """The current Debian kernel, unpacked and depmod'ed (not installed)."""
    root = os.path.join(KCACHE, 'root')
    kver = _kernel_ready(root)
    shared = os.path.join(SRCDIR, 'tests', 'lib', 'debian-kernel.sh')
    if not kver and os.path.exists(shared):
        # The project's shared fetcher prints the unpacked root it made.
        r = subprocess.run(['bash', shared], capture_output=True, text=True)
        out = r.stdout.strip().splitlines()
        if r.returncode == 0 and out and _kernel_ready(out[-1]):
            root = out[-1]
            kver = _kernel_ready(root)
    if not kver:
        kver = _fetch_kernel(root)
    return kver, root


def _fetch_kernel(root):
    os.makedirs(KCACHE, exist_ok=True)
    # Debian keeps only the current ABI: ask which one the metapackage wants.
    r = run(['apt-cache', 'depends', 'linux-image-amd64'], check=False)
    m = re.search(r'Depends: (linux-image-[0-9][^\s]*-amd64)', r.stdout)
    if not m:
        run(['apt-get', 'update'], check=False)
        r = run(['apt-cache', 'depends', 'linux-image-amd64'], check=False)
        m = re.search(r'Depends: (linux-image-[0-9][^\s]*-amd64)', r.stdout)
    if not m:
        raise Skip('cannot find which kernel linux-image-amd64 depends on (no apt lists?)')
    pkg = m.group(1)
    r = run(['apt-get', 'download', pkg], check=False, cwd=KCACHE)
    debs = sorted(glob.glob(os.path.join(KCACHE, f'{pkg}_*.deb')))
    if not debs:
        raise Skip(f'apt-get download {pkg} failed: {r.stderr.strip()}')
    shutil.rmtree(root, ignore_errors=True)
    run(['dpkg', '-x', debs[-1], root])
    kver = pkg[len('linux-image-'):]
    run(['depmod', '-b', root, kver])
    return kver


def ensure_vmlinux(kroot, kver):
    """The uncompressed ELF kernel: qemu boots it through PVH, skipping the
    decompressor and the BIOS (4-6 s a boot under TCG)."""
    out = os.path.join(KCACHE, f'vmlinux-{kver}')
    bz = os.path.join(kroot, 'boot', f'vmlinuz-{kver}')
    if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(bz):
        return out
    data = open(bz, 'rb').read()
    off = data.find(b'\xfd7zXZ\x00')
    if off >= 0:
        d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
        elf = d.decompress(data[off:])
    else:
        # Debian's 6.12 kernels are compressed with zstd; the zstd tool stops
        # at the end of the frame (and complains about what follows it)
        off = data.find(b'\x28\xb5\x2f\xfd')
        if off < 0:
            raise Failure(f'{bz}: no XZ or zstd payload')
        elf = subprocess.run(['zstd', '-dc'], input=data[off:], capture_output=True).stdout
    if elf[:4] != b'\x7fELF':
        raise Failure(f'{bz}: the XZ payload is not an ELF kernel')
    tmp = out + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(elf)
    os.rename(tmp, out)
    return out


# ---------------------------------------------------------------- drvfw

def build_drvfw():
    """meson install into a staging DESTDIR with prefix /usr, as a package would."""
    bdir = os.path.join(CACHE, 'build')
    stage = os.path.join(CACHE, 'stage')
    # merged /usr, as in Debian 12 roots: the stage is copied over one
    opts = ['--prefix=/usr', '-Dtests=disabled', '-Ddracutmodulesdir=/usr/lib/dracut/modules.d',
            '-Dudevrulesdir=/usr/lib/udev/rules.d', '-Dsystemdunitdir=/usr/lib/systemd/system']
    if not os.path.exists(os.path.join(bdir, 'build.ninja')):
        run(['meson', 'setup', bdir, SRCDIR] + opts)
    else:
        # a build from before an option was added here
        run(['meson', 'configure', bdir] + opts, quiet=True)
    run(['ninja', '-C', bdir], quiet=True)
    shutil.rmtree(stage, ignore_errors=True)
    run(['meson', 'install', '-C', bdir, '--destdir', stage, '--quiet'], quiet=True)
    return stage


def build_test_program(target):
    """A test program of drvfw's tree (tests/.../NAME) for the guest: built in a
    build directory of its own with the tests enabled, linked like drvfw, so
    that the image's libraries serve it."""
    bdir = os.path.join(CACHE, 'build-tests')
    if not os.path.exists(os.path.join(bdir, 'build.ninja')):
        run(['meson', 'setup', bdir, SRCDIR, '--prefix=/usr', '-Dtests=enabled'])
    run(['ninja', '-C', bdir, target], quiet=True)
    return os.path.join(bdir, target)


def build_guest_tools():
    os.makedirs(CACHE, exist_ok=True)
    out = os.path.join(CACHE, 'vmreport')
    src = os.path.join(VMDIR, 'guest', 'vmreport.c')
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        run(['gcc', '-static', '-O2', '-Wall', '-o', out, src], quiet=True)
    return out


def dracut_base(stage):
    """A private dracutbasedir: dracut's own files as symlinks, plus drvfw's
    module from the staging install and the test module; nothing is
    installed under /usr/lib/dracut."""
    base = os.path.join(CACHE, 'dracut-base')
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(os.path.join(base, 'modules.d'))
    sysbase = '/usr/lib/dracut'
    for e in os.listdir(sysbase):
        if e != 'modules.d':
            os.symlink(os.path.join(sysbase, e), os.path.join(base, e))
    for e in os.listdir(os.path.join(sysbase, 'modules.d')):
        os.symlink(os.path.join(sysbase, 'modules.d', e), os.path.join(base, 'modules.d', e))
    if stage:
        mod = os.path.join(stage, 'usr/lib/dracut/modules.d/90drvfw')
        if os.path.isdir(mod):
            os.symlink(mod, os.path.join(base, 'modules.d', '90drvfw'))
    os.symlink(os.path.join(VMDIR, 'dracut', '99drvfw-test'),
               os.path.join(base, 'modules.d', '99drvfw-test'))
    return base


# ---------------------------------------------------------------- per scenario

class Env:
    """What every scenario shares."""

    def __init__(self, need_drvfw=True):
        ensure_tools()
        if not shutil.which('qemu-system-x86_64'):
            raise Skip('qemu-system-x86_64 is not available')
        qemu_probe()
        self.kver, self.kroot = ensure_kernel()
        self.moddir = os.path.join(self.kroot, 'lib', 'modules', self.kver)
        self.vmlinux = ensure_vmlinux(self.kroot, self.kver)
        self.accel = accel()
        self.stage = None
        self.build_error = None
        if need_drvfw:
            try:
                self.stage = build_drvfw()
            except Failure as e:
                self.build_error = str(e)
        self.vmreport = build_guest_tools()
        self.base = dracut_base(self.stage)
        log(f'kernel {self.kver} from {self.kroot}, accel {self.accel}')

    def drvfw_bin(self):
        if not self.stage:
            raise Failure(f'drvfw did not build:\n{self.build_error}')
        return os.path.join(self.stage, 'usr/sbin/drvfw')

    def itools_root(self):
        """A Debian 12 root with initramfs-tools, this kernel's modules and
        the staged drvfw, where mkinitramfs runs (chroot): it has no
        --kmoddir, and its hooks must run as on an installed system."""
        if not getattr(self, '_itools_root', None):
            self._itools_root = prepare_itools_root(self)
        return self._itools_root


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, mode)


def build_initramfs(env, work, sc):
    """The scenario's generator against the Debian kernel's modules;
    returns (rc, image, seconds, log)."""
    if sc.generator == 'initramfs-tools':
        return build_initramfs_tools(env, work, sc)
    return build_dracut(env, work, sc)


def build_dracut(env, work, sc):
    """dracut against the Debian kernel's modules."""
    conf = os.path.join(work, 'dracut.conf')
    confdir = os.path.join(work, 'dracut.conf.d')
    os.makedirs(confdir, exist_ok=True)
    lines = []
    if sc.drvfw:
        policy = os.path.join(work, 'policy')
        shutil.rmtree(policy, ignore_errors=True)
        os.makedirs(policy)
        if sc.policy is not None:
            write(os.path.join(policy, 'drvfw.conf'), sc.policy)
        lines += [f'drvfw_binary="{env.drvfw_bin()}"',
                  f'drvfw_confdir="{policy}"',
                  f'drvfw_udev_rules="{env.stage}/usr/lib/udev/rules.d/60-drvfw.rules"',
                  f'drvfw_lib="{env.stage}/usr/lib/drvfw/drvfw-lib.sh"']
        prof = os.path.join(env.stage, 'usr/share/drvfw/profiles')
        if os.path.isdir(prof):
            lines.append(f'drvfw_profiledir="{prof}"')
        # drvfw check protects the guest's root disk and console, not this machine's
        lines.append(f'drvfw_target_cmdline="{guest_cmdline(sc)}"')
        lines += sc.dracut_conf
    write(conf, '\n'.join(lines) + '\n')
    img = os.path.join(work, 'initramfs.img')
    mods = 'bash base udev-rules rootfs-block fs-lib drvfw-test'
    if sc.flavour == 'systemd':
        mods = 'systemd systemd-initrd dracut-systemd systemd-udevd ' + mods
    tmp = os.path.join(CACHE, 'tmp')
    os.makedirs(tmp, exist_ok=True)
    cmd = ['dracut', '--force', '--no-hostonly', '--no-hostonly-cmdline', '--no-compress',
           '--no-early-microcode', '--nomdadmconf', '--nolvmconf',
           '--kver', env.kver, '--kmoddir', env.moddir,
           '--conf', conf, '--confdir', confdir, '--tmpdir', tmp,
           '-m', mods, '--drivers', DRIVERS]
    if sc.drvfw:
        cmd += ['-a', 'drvfw']
    cmd.append(img)
    denv = dict(os.environ, dracutbasedir=env.base, **sc.build_env)
    t0 = time.monotonic()
    r = subprocess.run(cmd, env=denv, text=True, capture_output=True)
    secs = time.monotonic() - t0
    out = r.stdout + r.stderr
    write(os.path.join(work, 'dracut.log'), out)
    return r.returncode, img, secs, out


BROKEN_DRVFW = '#!/bin/sh\n# a drvfw that fails whatever it is asked (tests)\nexit 1\n'


def unpack_image(img, tree):
    """An initramfs into @tree: dracut's here are uncompressed cpio,
    initramfs-tools' zstd-compressed (neither has an early cpio here)."""
    with open(img, 'rb') as f:
        zstd = f.read(4) == b'\x28\xb5\x2f\xfd'
    if zstd:
        z = subprocess.Popen(['zstd', '-dcq', img], stdout=subprocess.PIPE)
        subprocess.run(['cpio', '-idm', '--quiet'], stdin=z.stdout, cwd=tree, check=True)
        if z.wait() != 0:
            raise Failure(f'zstd -d {img} failed')
    else:
        with open(img, 'rb') as f:
            subprocess.run(['cpio', '-idm', '--quiet'], stdin=f, cwd=tree, check=True)


def boot_verify_cases(tree, digest, sources, check):
    """drvfw_boot_verify, the initramfs's check of drvfw.policy= (drvfw
    bootcfg), inside the unpacked image @tree (its /bin/sh, its drvfw and
    policy) with a given /proc/cmdline: @digest (drvfw.policy=sha256:...,
    the image's policy) passes, another digest is a failure that says why
    and follows on-error (allow in the policies used here), a line without
    drvfw.policy= or with rd.drvfw=0 fails nothing. @sources: what the
    integration's boot script sources before the call."""
    other = 'drvfw.policy=sha256:' + '0' * 64
    base = 'root=/dev/vda ro'
    cases = [(f'{base} {digest}', False, None), (f'{base} {other}', True, 'is not the digest of this image'),
             (base, False, None), (f'{base} {other} rd.drvfw=0', False, None)]
    for line, failed, said in cases:
        with open(os.path.join(tree, 'cmdline'), 'w') as f:
            f.write(line + '\n')
        shutil.rmtree(os.path.join(tree, 'run', 'drvfw'), ignore_errors=True)
        for d in ('proc', 'dev'):
            os.makedirs(os.path.join(tree, d), exist_ok=True)
        # the file the library and drvfw read is /proc/cmdline itself; /dev
        # as at boot (an initramfs-tools image mounts it at run time)
        inner = '; '.join(f'. {s}' for s in sources) + '; drvfw_boot_verify'
        script = ('set -e; mount -t proc proc "$1/proc"; mount --bind "$1/cmdline" "$1/proc/cmdline"; '
                  'mount --bind /dev "$1/dev"; chroot "$1" /bin/sh -c "$2"')
        r = subprocess.run(['unshare', '-m', 'sh', '-c', script, 'sh', tree, inner], capture_output=True,
                           text=True)
        rec = os.path.join(tree, 'run', 'drvfw', 'failed')
        got = open(rec).read() if os.path.exists(rec) else ''
        check(r.returncode == 0 and bool(got) == failed,
              f'drvfw_boot_verify with {line!r}: exit {r.returncode}, failures recorded {got!r} '
              f'(expected {"one" if failed else "none"}) {r.stderr[-500:]}')
        if said:
            check(said in r.stderr and 'on-error = allow' in r.stderr,
                  f'... and it says why, and what on-error does: {r.stderr[-500:]!r}')


def break_drvfw(img, work):
    """Replaces drvfw inside the image by a program that always fails: the
    off switch must not depend on it. The image is written back as an
    uncompressed cpio, which the kernel takes as well."""
    tree = os.path.join(work, 'broken-initrd')
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    unpack_image(img, tree)
    write(os.path.join(tree, 'usr/sbin/drvfw'), BROKEN_DRVFW, 0o755)
    files = subprocess.run(['find', '.', '-print0'], cwd=tree, capture_output=True, check=True).stdout
    with open(img, 'wb') as f:
        subprocess.run(['cpio', '-o', '-H', 'newc', '--null', '--quiet'], input=files, stdout=f, cwd=tree,
                       check=True)
    shutil.rmtree(tree, ignore_errors=True)


# initramfs-tools: MODULES=list puts in only what hooks ask for (the test
# hook below: the VM's drivers), as dracut's --drivers does; zstd -1 keeps
# the build short.
ITOOLS_CONF = 'MODULES=list\nBUSYBOX=y\nCOMPRESS=zstd\nCOMPRESSLEVEL=1\n'
ITOOLS_TEST_HOOK = '''#!/bin/sh
# Test-only hook of the VM tests: the VM's drivers (not loaded at boot:
# MODULES=list, no /etc/initramfs-tools/modules) and what the test root, a
# copy of this image, needs to run its reporter and the scenario actions.
PREREQ=""
prereqs() { echo "$PREREQ"; }
case $1 in prereqs) prereqs; exit 0 ;; esac
. /usr/share/initramfs-tools/hook-functions
manual_add_modules %s
copy_exec /bin/bash /bin
'''
# After init-top (drvfw's gate, then udev): the record the dracut test
# module makes in its pre-udev hook, from the same script.
ITOOLS_TEST_PREMOUNT = '''#!/bin/sh
PREREQ=""
prereqs() { echo "$PREREQ"; }
case $1 in prereqs) prereqs; exit 0 ;; esac
[ -f /lib/drvfw-lib.sh ] || exit 0
. /scripts/drvfwtest-modprobe.sh
exit 0
'''


def prepare_itools_root(env):
    """A Debian 12 root (tests/lib/debian-root.sh) with this kernel's
    modules and the staged drvfw installed, unpacked afresh per run."""
    r = run(['bash', os.path.join(SRCDIR, 'tests', 'lib', 'debian-root.sh'), 'initramfs-tools'], check=False)
    if r.returncode == SKIP:
        raise Skip(f'no Debian 12 root with initramfs-tools: {r.stderr.strip()[-500:]}')
    if r.returncode != 0:
        raise Failure(f'tests/lib/debian-root.sh failed:\n{r.stderr[-2000:]}')
    tarball = r.stdout.strip().splitlines()[-1]
    root = os.path.join(CACHE, 'itools-root')
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    run(['tar', '-C', root, '-xf', tarball], quiet=True)
    mods = os.path.join(root, 'usr', 'lib', 'modules')
    os.makedirs(mods, exist_ok=True)
    # hard links: the kernel cache is shared and only read here
    run(['cp', '-al', env.moddir, mods], quiet=True)
    shutil.copy(os.path.join(env.kroot, 'boot', f'config-{env.kver}'), os.path.join(root, 'boot'))
    if not env.stage:
        raise Failure(f'drvfw did not build:\n{env.build_error}')
    run(['cp', '-a', env.stage + '/.', root], quiet=True)
    write(os.path.join(root, 'etc', 'initramfs-tools', 'initramfs.conf'), ITOOLS_CONF)
    write(os.path.join(root, 'etc', 'initramfs-tools', 'hooks', 'drvfw-test'), ITOOLS_TEST_HOOK % DRIVERS,
          0o755)
    scripts = os.path.join(root, 'etc', 'initramfs-tools', 'scripts')
    os.makedirs(os.path.join(scripts, 'init-premount'), exist_ok=True)
    shutil.copy(os.path.join(VMDIR, 'dracut', '99drvfw-test', 'drvfwtest-modprobe.sh'), scripts)
    write(os.path.join(scripts, 'init-premount', 'drvfw-test'), ITOOLS_TEST_PREMOUNT, 0o755)
    return root


def build_initramfs_tools(env, work, sc):
    """mkinitramfs in the Debian root, with drvfw's hook from the stage and
    the scenario's policy in the root's /etc/drvfw."""
    root = env.itools_root()
    etc = os.path.join(root, 'etc', 'drvfw')
    shutil.rmtree(etc, ignore_errors=True)
    if sc.drvfw and sc.policy is not None:
        write(os.path.join(etc, 'drvfw.conf'), sc.policy)
    settings = os.path.join(root, 'etc', 'initramfs-tools', 'conf.d', 'drvfw')
    lines = ['DRVFW_FORCE=yes' for c in sc.dracut_conf if c == 'drvfw_force=yes']
    lines += [f'{k}={v}' for k, v in sc.build_env.items()]
    # the chroot has no /proc: drvfw check is told the guest's command line
    lines.append(f'DRVFW_TARGET_CMDLINE="{guest_cmdline(sc)}"')
    if not sc.drvfw:
        lines.append('DRVFW_INITRAMFS=no')
    write(settings, '\n'.join(lines) + '\n')
    t0 = time.monotonic()
    r = subprocess.run(['chroot', root, '/usr/bin/env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
                        'mkinitramfs', '-o', '/tmp/initramfs.img', env.kver],
                       text=True, capture_output=True)
    secs = time.monotonic() - t0
    out = r.stdout + r.stderr
    write(os.path.join(work, 'mkinitramfs.log'), out)
    img = os.path.join(work, 'initramfs.img')
    if r.returncode == 0:
        shutil.move(os.path.join(root, 'tmp', 'initramfs.img'), img)
    return r.returncode, img, secs, out


def build_root(env, work, img, sc):
    """The test root: the initramfs's userland on ext4, with the reporter as init."""
    if sc.broken_drvfw:
        break_drvfw(img, work)
    tree = os.path.join(work, 'root')
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    unpack_image(img, tree)
    # the mount points the initramfs moves into the real root (an
    # initramfs-tools image makes them at run time, so its copy lacks them)
    for d in ('dev', 'proc', 'sys', 'run', 'tmp'):
        os.makedirs(os.path.join(tree, d), exist_ok=True)
    vt = os.path.join(tree, 'vmtest')
    os.makedirs(vt, exist_ok=True)
    shutil.copy(env.vmreport, os.path.join(vt, 'vmreport'))
    for name, src in (sc.setup(env, work) if sc.setup else {}).items():
        shutil.copy(src, os.path.join(vt, name))
    if os.path.lexists(os.path.join(tree, 'sbin')) and not os.path.islink(os.path.join(tree, 'sbin')):
        init = os.path.join(tree, 'sbin', 'init')
    else:
        init = os.path.join(tree, 'usr', 'sbin', 'init')
    if os.path.lexists(init):
        os.unlink(init)
    shutil.copy(os.path.join(VMDIR, 'guest', 'report-init.sh'), init)
    os.chmod(init, 0o755)
    if sc.guest:
        write(os.path.join(vt, 'scenario.sh'), sc.guest)
    # The copy must not look like an initramfs: systemd would run the initrd
    # transaction again after the switch.
    for f in ('etc/initrd-release', 'init'):
        if os.path.lexists(os.path.join(tree, f)):
            os.unlink(os.path.join(tree, f))
    bb = shutil.which('busybox')
    shutil.copy(bb, os.path.join(vt, 'busybox'))
    # An installed system has the decision index its kernel package's hook
    # wrote after depmod (kernel/drvfw-kernel-hook): the same here, with the
    # root's own drvfw, policy and module database.
    drvfw = os.path.join(tree, 'usr', 'sbin', 'drvfw')
    if sc.drvfw and not sc.broken_drvfw and os.path.exists(drvfw) and \
            os.path.isdir(os.path.join(tree, 'lib', 'modules', env.kver)):
        r = subprocess.run(['chroot', tree, '/usr/sbin/drvfw', '-q', '--kver', env.kver, 'index'],
                           capture_output=True, text=True)
        if r.returncode != 0:
            log(f'{sc.name}: drvfw index in the test root failed ({r.returncode}): {r.stderr.strip()}')
        # and the unit that decides the devices there before udev's coldplug
        # (systemd/drvfw-coldplug.service): report-init.sh runs its ExecStart
        unit = os.path.join(env.stage, 'usr/lib/systemd/system/drvfw-coldplug.service')
        if os.path.exists(unit):
            os.makedirs(os.path.join(tree, 'usr/lib/systemd/system'), exist_ok=True)
            shutil.copy(unit, os.path.join(tree, 'usr/lib/systemd/system'))
    if sc.prepare_root:
        sc.prepare_root(env, tree)
    rootimg = os.path.join(work, 'root.img')
    if os.path.exists(rootimg):
        os.unlink(rootimg)
    size = int(subprocess.run(['du', '-sm', tree], capture_output=True, text=True).stdout.split()[0])
    run(['mke2fs', '-q', '-t', 'ext4', '-L', 'drvfwroot', '-d', tree,
         '-F', rootimg, f'{size + 32}M'], quiet=True)
    usbimg = os.path.join(work, 'usb.img')
    for img in (usbimg, os.path.join(work, 'usb-hotplug.img')):
        with open(img, 'wb') as f:
            f.truncate(4 << 20)
    return rootimg, usbimg


# init=: systemd's switch-root would otherwise start the systemd binary it
# finds in the new root rather than the reporter.
CMDLINE = ('console=ttyS0,115200 root=/dev/vda rootfstype=ext4 rw init=/sbin/init rd.shell=0 '
           'rd.emergency=poweroff panic=1 loglevel=6 rd.udev.log_level=err')


def guest_cmdline(sc):
    """The kernel command line the scenario's guest boots with: sc.append,
    a whole line passed exactly as given (one drvfw wrote), or the
    harness's line with the scenario's words."""
    if sc.append is not None:
        return sc.append
    return f'{CMDLINE} {sc.cmdline}'.strip()


def qemu_cmd(env, work, rootimg, usbimg, sc):
    return [
        'qemu-system-x86_64', '-accel', env.accel, '-M', sc.machine, '-m', '768', '-smp', '1',
        '-nodefaults', '-no-user-config', '-display', 'none', '-vga', 'none', '-no-reboot',
    ] + sc.qemu_pre + [
        '-kernel', env.vmlinux, '-initrd', os.path.join(work, 'initramfs.img'),
        '-append', guest_cmdline(sc),
        '-serial', f'file:{os.path.join(work, "console.log")}',
        '-serial', f'file:{os.path.join(work, "result.log")}',
        '-monitor', f'unix:{os.path.join(work, "monitor.sock")},server=on,wait=off',
        '-netdev', 'user,id=n0,restrict=on', '-device', 'e1000,netdev=n0,romfile=,addr=0x3',
        '-netdev', 'user,id=n1,restrict=on', '-device', 'virtio-net-pci,netdev=n1,romfile=,addr=0x4',
        '-drive', f'file={rootimg},if=none,format=raw,id=root',
        '-device', 'virtio-blk-pci,drive=root,addr=0x5',
        '-device', 'virtio-rng-pci,addr=0x6',
        '-device', 'qemu-xhci,id=xhci,addr=0x7',
        '-drive', f'file={usbimg},if=none,format=raw,id=usb0',
        '-device', 'usb-storage,bus=xhci.0,drive=usb0',
        '-audiodev', 'none,id=snd0', '-device', 'intel-hda,addr=0x8',
        '-device', 'hda-output,audiodev=snd0',
    ] + sc.qemu_args


def read_root_file(rootimg, path):
    """The bytes of @path in the (powered-off) guest's ext4 root image."""
    r = subprocess.run(['debugfs', '-R', f'cat {path}', rootimg], capture_output=True)
    if r.returncode != 0:
        raise Failure(f'debugfs cannot read {path} from {rootimg}: {r.stderr.decode(errors="replace")}')
    return r.stdout.decode(errors='replace')


def monitor(work, command):
    """One HMP command over the monitor socket."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.path.join(work, 'monitor.sock'))
    s.settimeout(10)
    buf = b''
    while b'(qemu)' not in buf:
        buf += s.recv(4096)
    s.sendall(command.encode() + b'\n')
    buf = b''
    try:
        while buf.count(b'(qemu)') < 1:
            buf += s.recv(4096)
    except socket.timeout:
        pass
    s.close()
    return buf.decode(errors='replace')


def boot(env, work, rootimg, usbimg, sc, timeout):
    """Boots, feeds the scenario's monitor commands when the guest asks, and
    returns (facts, wall seconds)."""
    for f in ('console.log', 'result.log'):
        if os.path.exists(os.path.join(work, f)):
            os.unlink(os.path.join(work, f))
    cmd = qemu_cmd(env, work, rootimg, usbimg, sc)
    write(os.path.join(work, 'qemu.cmd'), ' '.join(cmd) + '\n')
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    handled = set()
    result = os.path.join(work, 'result.log')
    try:
        while p.poll() is None:
            if time.monotonic() - t0 > timeout:
                p.kill()
                p.wait()
                raise Failure(f'the VM did not power off within {timeout} s '
                              f'(console: {os.path.join(work, "console.log")})')
            time.sleep(0.2)
            if sc.on_request and os.path.exists(result):
                text = open(result, errors='replace').read()
                for m in re.finditer(r'^REQUEST name=(\S+)', text, re.M):
                    if m.group(1) not in handled:
                        handled.add(m.group(1))
                        sc.on_request(m.group(1), lambda c: monitor(work, c), work)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    wall = time.monotonic() - t0
    out = p.stdout.read()
    if p.returncode != 0:
        raise Failure(f'qemu exited {p.returncode}: {out[-2000:]}')
    facts = parse(open(result, errors='replace').read() if os.path.exists(result) else '')
    facts.wall = wall
    con = os.path.join(work, 'console.log')
    facts.console = open(con, errors='replace').read() if os.path.exists(con) else ''
    return facts


# ---------------------------------------------------------------- records

class Dev:
    def __init__(self, kv):
        self.bus = kv['bus']
        self.name = kv['dev']
        self.driver = None if kv.get('driver') == '-' else kv.get('driver')
        self.modalias = kv.get('modalias', '-')
        ov = kv.get('override', '-')
        self.override = None if ov in ('-', '(null)') else ov
        self.has_override = ov != '-'
        au = kv.get('authorized', '-')
        self.authorized = None if au == '-' else au
        self.ids = kv.get('ids', '-:-')

    def __repr__(self):
        return f'{self.bus}/{self.name}[{self.modalias}] driver={self.driver} override={self.override}'


class Phase:
    def __init__(self, name):
        self.name = name
        self.devices = []
        self.buses = {}
        self.modules = set()

    def find(self, bus=None, modalias=None, name=None):
        out = []
        for d in self.devices:
            if bus and d.bus != bus:
                continue
            if name and d.name != name:
                continue
            if modalias and not re.match(modalias, d.modalias, re.I):
                continue
            out.append(d)
        return out

    def one(self, what, **kw):
        found = self.find(**kw)
        if len(found) != 1:
            raise Failure(f'{self.name}: expected exactly one {what} ({kw}), found {found}')
        return found[0]


def _kv(text):
    return dict(t.split('=', 1) for t in text.split() if '=' in t)


class Facts:
    def __init__(self):
        self.phases = {}
        self.kmsg = []      # (seconds, text)
        self.actions = {}   # name -> rc
        self.outputs = {}   # name -> [lines]
        self.sockets = []
        self.drvfw_report = []
        self.boot_uptime = None
        self.settled_uptime = None  # udev settled in the real root
        self.coldplug_s = None  # drvfw-coldplug.service's pass in the real root
        self.end_uptime = None
        self.ended = False
        self.records = []
        self.wall = None
        self.console = ''
        self.timings = {}   # name -> seconds per call

    def phase(self, name):
        if name not in self.phases:
            raise Failure(f'the guest reported no phase {name!r} (phases: {sorted(self.phases)})')
        return self.phases[name]

    def stamps(self):
        return {t: s for s, t in ((s, t.split('stamp ', 1)[1]) for s, t in self.kmsg
                                  if 'drvfwtest: stamp ' in t)}


def parse(text):
    f = Facts()
    cur = None
    for line in text.replace('\r', '').splitlines():
        kind, _, rest = line.partition(' ')
        f.records.append(line)
        if kind == 'PHASE':
            cur = Phase(_kv(rest)['name'])
            f.phases[cur.name] = cur
        elif kind == 'BUS' and cur:
            kv = _kv(rest)
            cur.buses[kv['name']] = kv.get('autoprobe')
        elif kind == 'DEV' and cur:
            cur.devices.append(Dev(_kv(rest)))
        elif kind == 'MOD' and cur:
            cur.modules.add(_kv(rest)['name'])
        elif kind == 'KMSG':
            t, _, msg = rest.partition(' ')
            f.kmsg.append((float(t.split('=', 1)[1]), msg))
        elif kind == 'ACTION':
            kv = _kv(rest)
            f.actions[kv['name']] = int(kv['rc'])
        elif kind == 'OUTPUT':
            name, _, msg = rest.partition(' ')
            f.outputs.setdefault(name.split('=', 1)[1], []).append(msg)
        elif kind == 'SOCKET':
            f.sockets.append(_kv(rest))
        elif kind == 'DRVFW':
            f.drvfw_report.append(rest)
        elif kind == 'TIMING':
            kv = _kv(rest)
            try:
                f.timings[kv['name']] = int(kv['centiseconds']) / 100 / int(kv['n'])
            except (KeyError, ValueError):
                pass
        elif kind == 'BOOT':
            f.boot_uptime = float(_kv(rest)['uptime'])
        elif kind == 'COLDPLUG':
            kv = _kv(rest)
            try:
                f.coldplug_s = float(kv['uptime']) - float(kv['start'])
            except (KeyError, ValueError):
                pass
        elif kind == 'SETTLED':
            f.settled_uptime = float(_kv(rest)['uptime'])
        elif kind == 'END':
            f.end_uptime = float(_kv(rest)['uptime'])
            f.ended = True
    return f


def median(xs):
    return statistics.median(xs) if xs else float('nan')


def dump_json(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=1, sort_keys=True)
