# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot-time figures: initramfs build time, boot-to-report time, and the time
drvfw adds to the boot (the same VM booted with and without the module).

Two views of "time added": the difference of the medians of the guest's
uptime when the real root's init starts (the whole initramfs, noisy under
TCG), and the kernel-log timestamps around each drvfw hook (what the
hooks themselves took)."""

import os
import platform
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
                     _ok, policy=NEUTRAL_POLICY)
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
        '',
        f'Under TCG every guest instruction is emulated: the same work on hardware or under KVM is '
        f'several times faster. Host: {platform.node() or "?"}.',
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
