# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot-time figures: initramfs build time, boot-to-report time, and the time
drvfw adds to the boot (the same VM booted with and without the module).

Two views of "time added": the difference of the medians of the guest's
uptime when the real root's init starts (the whole initramfs, noisy under
TCG), and the kernel-log timestamps around each drvfw hook (what the
hooks themselves took)."""

import os
import subprocess
import time

import vmlib
from vmlib import CACHE, Failure, log, median
from scenarios import Scenario, expect

# A policy that changes no binding in this VM, so both boots do the same
# work apart from drvfw's own.
NEUTRAL_POLICY = '''[drvfw]
mode = enforce
[deny]
drivers = pci:nouveau
'''

HOOKS = ('cmdline', 'pre-udev', 'pre-pivot')

# In the guest after the report: the cost of one `drvfw probe` (what the
# udev rule runs per device event) against a bare fork+exec.
PROBE_DEV = 'pci/0000:00:03.0'
TIMING_GUEST = f'''
timed() {{
    local name=$1 n=$2 i a b
    shift 2
    read -r a _ < /proc/uptime
    for ((i = 0; i < n; i++)); do "$@" > /dev/null 2>&1; done
    read -r b _ < /proc/uptime
    # /proc/uptime has centiseconds; bash arithmetic, no awk in the image
    rec "TIMING name=$name n=$n centiseconds=$((10#${{b/./}} - 10#${{a/./}}))"
}}
scenario_actions() {{
    timed probe 20 /usr/sbin/drvfw probe --dry-run --no-kmsg {PROBE_DEV}
    timed true 20 /bin/true
}}
'''


def host_probe_ms(env, n=20):
    """The same `drvfw probe --dry-run` natively on this host's first PCI
    device, with the Debian kernel's module database."""
    try:
        dev = sorted(os.listdir('/sys/bus/pci/devices'))[0]
    except (OSError, IndexError):
        return None
    policy = os.path.join(CACHE, 'neutral.conf')
    with open(policy, 'w') as f:
        f.write(NEUTRAL_POLICY)
    cmd = [env.drvfw_bin(), '--root', env.kroot, '--kver', env.kver, '--policy', policy,
           'probe', '--dry-run', '--no-kmsg', f'pci/{dev}']
    t0 = time.monotonic()
    for _ in range(n):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.monotonic() - t0) / n * 1000


def _ok(f):
    expect(f.ended, 'the guest did not finish its report')


def _boots(env, sc, n, timeout):
    work = os.path.join(CACHE, 'run', sc.name)
    os.makedirs(work, exist_ok=True)
    builds = []
    rc = None
    for _ in range(2):
        rc, img, secs, out = vmlib.build_initramfs(env, work, sc)
        if rc != 0:
            raise Failure(f'{sc.name}: dracut failed ({rc}):\n{out[-3000:]}')
        builds.append(secs)
    rootimg, usbimg = vmlib.build_root(env, work, img, sc)
    facts = []
    for i in range(n):
        f = vmlib.boot(env, work, rootimg, usbimg, sc, timeout)
        sc.check(f)
        facts.append(f)
        log(f'{sc.name} boot {i + 1}/{n}: report at {f.boot_uptime:.2f} s guest uptime, {f.wall:.1f} s wall')
    # the second build: the first may have warmed the page cache
    return builds[-1], facts, os.path.getsize(img)


def _hook_ms(f):
    st = f.stamps()
    out = {}
    for h in HOOKS:
        b, e = st.get(f'{h} begin'), st.get(f'{h} end')
        if b is not None and e is not None:
            out[h] = (e - b) * 1000
    return out


def measure(env, n, timeout, results):
    base = Scenario('figures-without', 'figures: no drvfw', _ok, drvfw=False)
    with_ = Scenario('figures-with', 'figures: dracut -a drvfw, a policy that changes nothing here',
                     _ok, policy=NEUTRAL_POLICY, guest=TIMING_GUEST)
    b_build, b_facts, b_size = _boots(env, base, n, timeout)
    w_build, w_facts, w_size = _boots(env, with_, n, timeout)

    b_report = median([f.boot_uptime for f in b_facts])
    w_report = median([f.boot_uptime for f in w_facts])
    b_wall = median([f.wall for f in b_facts])
    w_wall = median([f.wall for f in w_facts])
    hooks = {h: median([_hook_ms(f)[h] for f in w_facts if h in _hook_ms(f)]) for h in HOOKS}
    hooks0 = {h: median([_hook_ms(f)[h] for f in b_facts if h in _hook_ms(f)]) for h in HOOKS}
    hook_total = sum(hooks[h] - hooks0[h] for h in HOOKS)
    spread_b = (max(f.boot_uptime for f in b_facts) - min(f.boot_uptime for f in b_facts)) * 1000
    spread_w = (max(f.boot_uptime for f in w_facts) - min(f.boot_uptime for f in w_facts)) * 1000
    events = len([d for d in w_facts[0].phase('pivot').devices if d.modalias != '-'])
    added = (w_report - b_report) * 1000

    g_probe = median([f.timings['probe'] * 1000 for f in w_facts if 'probe' in f.timings])
    g_true = median([f.timings['true'] * 1000 for f in w_facts if 'true' in f.timings])
    h_probe = host_probe_ms(env)
    cpu = 'unknown CPU'
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    lines = [
        '# VM figures',
        '',
        f'Measured by `tests/vm/run --figures {n}` on {time.strftime("%Y-%m-%d")}: qemu {env.accel.upper()}, '
        f'{os.cpu_count()} host CPUs ({cpu}), guest 1 vCPU, Debian kernel {env.kver}, '
        f'dracut shell /init, medians of {n} boots each.',
        '',
        '| figure | without drvfw | with `dracut -a drvfw` |',
        '|---|---|---|',
        f'| initramfs build (dracut, uncompressed) | {b_build:.1f} s | {w_build:.1f} s |',
        f'| initramfs size | {b_size / 2**20:.1f} MiB | {w_size / 2**20:.1f} MiB |',
        f'| boot to report (guest uptime when the real root\'s init starts) | {b_report:.2f} s | {w_report:.2f} s |',
        f'| qemu start to power-off (host wall clock) | {b_wall:.1f} s | {w_wall:.1f} s |',
        '',
        'Time drvfw adds to the boot:',
        '',
        f'- difference of the boot-to-report medians: {added:+.0f} ms for the whole initramfs '
        f'(run-to-run spread {spread_b:.0f} ms without, {spread_w:.0f} ms with). Most of it is not in the '
        f'hooks but in the udev rule: `drvfw probe` runs once per device event, '
        f'{max(added - hook_total, 0):.0f} ms here for the about {events} devices this VM has',
        f'- inside its hooks (kernel-log timestamps around each hook, minus the empty-hook cost): '
        f'{hook_total:.0f} ms in all: ' +
        ', '.join(f'{h} {hooks[h] - hooks0[h]:.0f} ms' for h in HOOKS),
        f'- one `drvfw probe --dry-run` (the udev rule\'s work per device event) in the guest: '
        f'{g_probe:.0f} ms, against {g_true:.0f} ms for a bare fork+exec of /bin/true; '
        + (f'natively on this host: {h_probe:.1f} ms' if h_probe is not None else 'no native figure (no PCI here)'),
    ]
    if h_probe and g_probe == g_probe and g_probe > 0:
        slow = g_probe / h_probe
        lines += [
            f'- scaled by that ratio (TCG runs drvfw {slow:.0f}x slower than this host): about '
            f'{added / slow:.0f} ms added to a native boot, {hook_total / slow:.0f} ms of it in the hooks '
            f'(an estimate from the ratio, not a measurement; under KVM this suite measures it directly)',
        ]
    lines += [
        '',
        f'Under TCG every guest instruction is emulated: the same work on hardware or under KVM is '
        'several times faster.',
        '',
    ]
    text = '\n'.join(lines)
    print(text, flush=True)
    out = os.environ.get('DRVFW_VM_FIGURES', os.path.join(vmlib.VMDIR, 'figures.md'))
    try:
        with open(out, 'w') as f:
            f.write(text)
        log(f'figures written to {out}')
    except OSError as e:
        log(f'cannot write {out}: {e}, ignoring')
