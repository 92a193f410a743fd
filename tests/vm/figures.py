# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot-time figures: the time drvfw adds to a whole boot, measured in the
guest: its uptime when udev has settled in the real root (the initramfs,
the switch, and the real root's own coldplug), booted without drvfw, with
a policy that denies nothing this VM has, and with a default-deny policy,
the three boots interleaved so that the host's load falls on each alike.
Also the initramfs alone (uptime when the real root's init starts), the
kernel-log timestamps around each drvfw hook, and one `drvfw probe`."""

import os
import subprocess
import time

import vmlib
from vmlib import CACHE, Failure, log, median
from scenarios import CONFIDENTIAL, FORCE_CHECK, Scenario, expect

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
    expect(f.settled_uptime is not None, 'the guest reported no SETTLED record')


def _prepare(env, sc):
    work = os.path.join(CACHE, 'run', sc.name)
    os.makedirs(work, exist_ok=True)
    rc, img, secs, out = vmlib.build_initramfs(env, work, sc)
    if rc != 0:
        raise Failure(f'{sc.name}: dracut failed ({rc}):\n{out[-3000:]}')
    rootimg, usbimg = vmlib.build_root(env, work, img, sc)
    return {'sc': sc, 'work': work, 'root': rootimg, 'usb': usbimg, 'build': secs,
            'size': os.path.getsize(img), 'facts': []}


def _hook_ms(f):
    st = f.stamps()
    out = {}
    for h in HOOKS:
        b, e = st.get(f'{h} begin'), st.get(f'{h} end')
        if b is not None and e is not None:
            out[h] = (e - b) * 1000
    return out


def _stats(xs):
    return median(xs), min(xs), max(xs)


def measure(env, n, timeout, results):
    runs = [
        _prepare(env, Scenario('figures-without', 'figures: no drvfw', _ok, drvfw=False)),
        _prepare(env, Scenario('figures-nodeny', 'figures: a policy that denies nothing this VM has',
                               _ok, policy=NEUTRAL_POLICY, guest=TIMING_GUEST)),
        _prepare(env, Scenario('figures-deny', 'figures: default-deny (scenario 03\'s policy)',
                               _ok, policy=CONFIDENTIAL, dracut_conf=FORCE_CHECK)),
    ]
    # interleaved, the order turned each round: no configuration always
    # follows the same one
    for i in range(n):
        for k in range(len(runs)):
            r = runs[(i + k) % len(runs)]
            f = vmlib.boot(env, r['work'], r['root'], r['usb'], r['sc'], timeout)
            r['sc'].check(f)
            r['facts'].append(f)
            log(f'{r["sc"].name} boot {i + 1}/{n}: udev settled at {f.settled_uptime:.2f} s, '
                f'real root at {f.boot_uptime:.2f} s guest uptime, {f.wall:.1f} s wall')

    base, nodeny, deny = runs
    settled = {r['sc'].name: _stats([f.settled_uptime for f in r['facts']]) for r in runs}
    initrd = {r['sc'].name: _stats([f.boot_uptime for f in r['facts']]) for r in runs}
    b_med, b_min, b_max = settled[base['sc'].name]
    noise = b_max - b_min

    def added(r):
        m, lo, hi = settled[r['sc'].name]
        d = m - b_med
        verdict = 'within the noise' if abs(d) <= noise else ('more' if d > 0 else 'less')
        return d, d / b_med * 100, verdict

    def hooks(r):
        return {h: median([_hook_ms(f)[h] for f in r['facts'] if h in _hook_ms(f)]) for h in HOOKS}

    h0 = hooks(base)
    g_probe = median([f.timings['probe'] * 1000 for f in nodeny['facts'] if 'probe' in f.timings])
    g_true = median([f.timings['true'] * 1000 for f in nodeny['facts'] if 'true' in f.timings])
    h_probe = host_probe_ms(env)
    cpu = 'unknown CPU'
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = open('/proc/loadavg').read().split()[0]
    except OSError:
        load = '?'

    def row(what, table, name):
        m, lo, hi = table[name]
        return f'{m:.2f} s ({lo:.2f}–{hi:.2f})'

    lines = [
        '# VM figures',
        '',
        f'Measured by `tests/vm/run --figures {n}` on {time.strftime("%Y-%m-%d")}: qemu {env.accel.upper()}, '
        f'{os.cpu_count()} host CPUs ({cpu}, load {load} at the end, shared), guest 1 vCPU, Debian kernel '
        f'{env.kver}, dracut shell /init, {n} boots of each configuration, interleaved; '
        'medians, with the lowest and highest in brackets.',
        '',
        '| figure | without drvfw | denies nothing here (`pci:nouveau`) | default-deny (scenario 03) |',
        '|---|---|---|---|',
        '| whole boot: guest uptime when udev has settled in the real root | ' +
        ' | '.join(row('s', settled, r['sc'].name) for r in runs) + ' |',
        '| initramfs: guest uptime when the real root\'s init starts | ' +
        ' | '.join(row('s', initrd, r['sc'].name) for r in runs) + ' |',
        '| qemu start to power-off (host wall clock) | ' +
        ' | '.join(f'{median([f.wall for f in r["facts"]]):.1f} s' for r in runs) + ' |',
        '| initramfs build (dracut, uncompressed) | ' +
        ' | '.join(f'{r["build"]:.1f} s' for r in runs) + ' |',
        '| initramfs size | ' + ' | '.join(f'{r["size"] / 2**20:.1f} MiB' for r in runs) + ' |',
        '',
        f'Time drvfw adds to the whole boot (difference of the medians; the run-to-run spread '
        f'without drvfw is {noise * 1000:.0f} ms):',
        '',
    ]
    for r, what in ((nodeny, 'a policy that denies nothing here'), (deny, 'default-deny')):
        d, pct, verdict = added(r)
        hk = hooks(r)
        lines.append(f'- {what}: {d * 1000:+.0f} ms, {pct:+.1f}% ({verdict}); in its hooks '
                     '(kernel-log timestamps, minus the empty-hook cost): ' +
                     ', '.join(f'{h} {hk[h] - h0[h]:.0f} ms' for h in HOOKS))
    # Each round boots the three one after the other: the host's load is
    # most alike within a round, so the difference within each round, and
    # its median, is the steadier figure on a shared machine.
    for r, what in ((nodeny, 'a policy that denies nothing here'), (deny, 'default-deny')):
        diffs = [w.settled_uptime - b.settled_uptime for w, b in zip(r['facts'], base['facts'])]
        ratios = [w.settled_uptime / b.settled_uptime for w, b in zip(r['facts'], base['facts'])]
        lines.append(f'- {what}, within each round: median {median(diffs) * 1000:+.0f} ms '
                     f'({min(diffs) * 1000:+.0f} to {max(diffs) * 1000:+.0f}), median ratio '
                     f'{median(ratios):.2f}×')
    # What drvfw itself runs on the boot's path, one step after the other:
    # its hooks (less the empty-hook cost) and the real root's pass before
    # udev. A bound: part of it is work moved, not added (the drivers the
    # gate loads and binds, udev would have); the whole boot's difference
    # above carries the noise of the emulated disks' probes.
    for r, what in ((nodeny, 'a policy that denies nothing here'), (deny, 'default-deny')):
        hk = hooks(r)
        cp = [f.coldplug_s for f in r['facts'] if f.coldplug_s is not None]
        cpm = median(cp) if cp else 0.0
        own = sum(hk[h] - h0[h] for h in HOOKS) / 1000 + cpm
        lines.append(f'- {what}, drvfw\'s own steps on the boot\'s path: {own:.2f} s, '
                     f'{own / b_med * 100:.1f}% of the boot without drvfw (hooks, and the real '
                     f'root\'s pass before udev: median {cpm:.2f} s)')
    for r in runs:
        rr = [f.settled_uptime - f.boot_uptime for f in r['facts']]
        lines.append(f'- the real root\'s coldplug alone ({r["sc"].name}): median {median(rr):.2f} s '
                     f'({min(rr):.2f}–{max(rr):.2f})')
    lines += [
        f'- one `drvfw probe --dry-run` (the udev rule\'s work per device event) in the guest: '
        f'{g_probe:.0f} ms, against {g_true:.0f} ms for a bare fork+exec of /bin/true; '
        + (f'natively on this host: {h_probe:.1f} ms' if h_probe is not None else 'no native figure (no PCI here)'),
        '',
        'Under TCG every guest instruction is emulated: the same work on hardware or under KVM is '
        'several times faster; the ratios are what carries over.',
    ]
    lines += [
        '',
        'Each boot (round: whole boot / initramfs, seconds of guest uptime):',
        '',
        '| round | ' + ' | '.join(r['sc'].name for r in runs) + ' |',
        '|---|' + '---|' * len(runs),
    ]
    for i in range(n):
        lines.append(f'| {i + 1} | ' + ' | '.join(
            f'{r["facts"][i].settled_uptime:.2f} / {r["facts"][i].boot_uptime:.2f}' for r in runs) + ' |')
    lines.append('')
    text = '\n'.join(lines)
    print(text, flush=True)
    # a test run leaves the source tree as it found it: the project's copy
    # (tests/vm/figures.md) is written only when asked for by name
    out = os.environ.get('DRVFW_VM_FIGURES', os.path.join(CACHE, 'figures.md'))
    try:
        with open(out, 'w') as f:
            f.write(text)
        log(f'figures written to {out}')
    except OSError as e:
        log(f'cannot write {out}: {e}, ignoring')


def measure_guard(env, n, timeout):
    """What the in-kernel guard adds to the boot: the same image policy with
    and without the guard (drvfw_guard=no), booted alternately n times each
    so that a slow spell of the shared host hits both; medians of the guest's
    uptime when the real root's init starts, and of the cmdline hooks (the
    guard's hook runs among them, between the test module's stamps)."""
    kinds = {
        'without': Scenario('figures-guard-without', 'figures: drvfw without the guard', _ok,
                            policy=NEUTRAL_POLICY, dracut_conf=['drvfw_guard=no']),
        'with': Scenario('figures-guard-with', 'figures: drvfw with the guard', _ok, policy=NEUTRAL_POLICY),
    }
    images = {}
    for k, sc in kinds.items():
        work = os.path.join(CACHE, 'run', sc.name)
        os.makedirs(work, exist_ok=True)
        rc, img, secs, out = vmlib.build_initramfs(env, work, sc)
        if rc != 0:
            raise Failure(f'{sc.name}: dracut failed ({rc}):\n{out[-3000:]}')
        images[k] = (work, vmlib.build_root(env, work, img, sc), os.path.getsize(img))
    facts = {k: [] for k in kinds}
    for i in range(n):
        for k, sc in kinds.items():
            work, (rootimg, usbimg), _ = images[k]
            f = vmlib.boot(env, work, rootimg, usbimg, sc, timeout)
            sc.check(f)
            loaded = kmsg_loaded(f)
            expect(loaded == (k == 'with'), f'{sc.name}: guard loaded in the initramfs: {loaded}')
            facts[k].append(f)
            log(f'{sc.name} boot {i + 1}/{n}: report at {f.boot_uptime:.2f} s, cmdline hooks '
                f'{_hook_ms(f).get("cmdline", float("nan")):.0f} ms')
    rep = {k: median([f.boot_uptime for f in v]) for k, v in facts.items()}
    cmd = {k: median([_hook_ms(f)['cmdline'] for f in v if 'cmdline' in _hook_ms(f)]) for k, v in facts.items()}
    lines = [
        f'Guard figures (`tests/vm/run --figures-guard {n}`, {time.strftime("%Y-%m-%d")}, qemu '
        f'{env.accel.upper()}, Debian kernel {env.kver}, {n} boots each, alternating):',
        f'- boot to report: {rep["without"]:.2f} s without the guard, {rep["with"]:.2f} s with '
        f'({(rep["with"] - rep["without"]) * 1000:+.0f} ms); each boot: '
        + ', '.join(f'{k} ' + ' '.join(f'{f.boot_uptime:.2f}' for f in v) for k, v in facts.items()),
        f'- cmdline hooks (the guard\'s load among them): {cmd["without"]:.0f} ms without, {cmd["with"]:.0f} ms '
        f'with ({cmd["with"] - cmd["without"]:+.0f} ms)',
        f'- image size: {images["without"][2] / 2**20:.1f} MiB without, {images["with"][2] / 2**20:.1f} MiB with',
    ]
    print('\n'.join(lines), flush=True)


def kmsg_loaded(f):
    return any('drvfw: guard: loaded in the initramfs' in t for _, t in f.kmsg)
