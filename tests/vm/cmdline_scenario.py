# SPDX-License-Identifier: GPL-2.0-or-later
"""Scenario 40 (issue 10): the kernel command line drvfw writes stops denied
built-in drivers before their init, on a stock QEMU q35 machine (i8042
present), with the shipped confidential-guest profile.

Four boots of the Debian kernel on q35:

  0. control: the confidential-guest profile (on-error = deny) without the
     fragment: i8042's PNP drivers cannot be unbound, the boot stops;
  1. first boot of a kernel whose initcall names the host did not know: the
     profile with on-error = allow, the line `drvfw bootcfg` wrote on the
     host (drvfw.policy= and module_blacklist= only), passed to -append
     exactly; in the real root `drvfw bootcfg --boot` (what
     drvfw-bootcfg.service runs) learns the names from /proc/kallsyms,
     writes /etc/kernel/cmdline for the next boot and says so in the log;
  2. the same image, booted with the line boot 1 wrote, exactly: the learned
     initcall_blacklist= stops the denied built-ins;
  3. the confidential-guest profile as shipped (on-error = deny), with the
     line `drvfw bootcfg` wrote on the host from the names boot 1 learned
     (a System.map given by path), exactly: each denied built-in with a device
     on this machine never initialises (initcall_debug and dyndbg show it
     blacklisted, its device never had a driver, its boot messages are
     absent), the machine boots to the real root, and drvfw status gives
     "N of M denied device-facing built-ins stopped before init".
"""

import json
import os
import re
import shutil

import vmlib
from vmlib import Failure, log
from scenarios import FORCE_CHECK, Scenario, expect

# The administrator's part of the line: the harness's own, plus what makes
# the kernel show each initcall it calls and each it refuses.
BASE = (vmlib.CMDLINE + ' initcall_debug log_buf_len=8M dyndbg="func initcall_blacklisted +p"')
PROFILE = '[drvfw]\ninclude = confidential-guest\n'
PROFILE_ALLOW = PROFILE + 'on-error = allow\n'

# i8042 on q35: the platform device i8042_init creates, and the PNP devices
# of the keyboard and mouse ports its PNP drivers ("i8042 kbd", "i8042 aux")
# bind. PNP devices have no modalias; their names come from ACPI's order,
# the same in every boot of one machine: boot 1 names them.
I8042_PNP_DRIVERS = ('i8042_kbd', 'i8042_aux')

# Every boot runs what drvfw-bootcfg.service runs (it learns only on a
# kernel's first boot: then nothing to do), and reports the kernel log
# through syslog(2) (busybox dmesg: with initcall_debug the log is long) and
# drvfw status. Boot 2 reuses boot 1's root, so one script serves all.
GUEST = '''
scenario_actions() {
    act bootcfg-boot drvfw bootcfg --boot
    act log "$VT/busybox" sh -c '"$0" dmesg | "$0" grep -E "drvfw: bootcfg:| blacklisted|calling  i8042|i8042: |serio: i8042"' "$VT/busybox"
    act status drvfw -q status --json
}
'''


def log_has(f, pattern):
    return [line for line in f.outputs.get('log', []) if re.search(pattern, line)]


def sub(name, policy, guest='', append=None, prepare=None):
    return Scenario(name, '', None, policy=policy, guest=guest, machine='q35', append=append,
                    prepare_root=prepare, dracut_conf=FORCE_CHECK)


def host_bootcfg(env, symbols=None):
    """prepare_root: the tree as an installed system (its kernel image in /boot,
    the administrator's /etc/kernel/cmdline), then `drvfw bootcfg` on it."""
    def prepare(env_, tree):
        os.makedirs(os.path.join(tree, 'boot'), exist_ok=True)
        shutil.copy(os.path.join(env.kroot, 'boot', f'vmlinuz-{env.kver}'),
                    os.path.join(tree, 'boot', f'vmlinuz-{env.kver}'))
        vmlib.write(os.path.join(tree, 'etc', 'kernel', 'cmdline'), BASE + '\n')
        cmd = [env.drvfw_bin(), '--root', tree, '--kver', env.kver, 'bootcfg',
               '--loader', 'kernel-install', '--no-refresh', '--json']
        if symbols:
            cmd += ['--symbols', symbols]
        r = vmlib.run(cmd)
        vmlib.write(os.path.join(os.path.dirname(tree), 'bootcfg.json'), r.stdout)
        vmlib.write(os.path.join(os.path.dirname(tree), 'bootcfg.err'), r.stderr)
    return prepare


def boot(env, work, sc, timeout):
    os.makedirs(work, exist_ok=True)
    rc, img, _, out = vmlib.build_initramfs(env, work, sc)
    if rc != 0:
        raise Failure(f'dracut failed ({rc}):\n{out[-3000:]}')
    rootimg, usbimg = vmlib.build_root(env, work, img, sc)
    facts = vmlib.boot(env, work, rootimg, usbimg, sc, timeout)
    return facts, rootimg


def status_json(f, what):
    lines = f.outputs.get('status')
    expect(lines, f'{what}: the guest printed no drvfw status --json')
    try:
        return json.loads('\n'.join(lines))
    except ValueError as e:
        raise Failure(f'{what}: drvfw status --json is not JSON ({e}): {lines[:5]}')


def words(line, name):
    for w in line.split():
        if w.startswith(name + '='):
            return w.split('=', 1)[1].split(',')
    return []


def check_control(f):
    expect(f.boot_uptime is None,
           'control: the confidential-guest profile reached the real root on q35 without the '
           'fragment; the test no longer shows what the command line changes')
    expect('drvfw: FAILED' in f.console and 'on-error = deny' in f.console,
           'control: the console does not say that drvfw stopped the boot under on-error = deny')


def check_learning(f, line1, line2):
    expect(f.ended, 'boot 1 (on-error = allow) did not reach the real root')
    ph = f.phase('pivot')
    d = ph.one('i8042 platform device', bus='platform', name='i8042')
    expect(d.driver is None, f'boot 1: platform i8042 bound to {d.driver!r} (drvfw unbinds it)')
    pnp = [x.name for x in ph.devices if x.bus == 'pnp' and x.driver in I8042_PNP_DRIVERS]
    expect(len(pnp) == 2, f'boot 1: i8042\'s PNP drivers bind {pnp}: is this a stock q35 machine?')
    expect('initcall_blacklist=' not in line1, f'boot 1 line already stops built-ins: {line1}')
    expect(f.actions.get('bootcfg-boot') == 0, f'drvfw bootcfg --boot failed: '
           f'{f.outputs.get("bootcfg-boot")}')
    # the same check that shows i8042_init absent in boots 2 and 3 sees it here
    expect(log_has(f, 'calling  i8042_init'), 'boot 1: initcall_debug does not show i8042_init called')
    # a notice: on the console (loglevel=6), and for dmesg and the journal
    # (a record without its newline would reach them only with the next one)
    said = r'drvfw: bootcfg: kernel \S+ booted without its initcall names.*only unbound'
    expect(re.search(said, f.console) and log_has(f, said),
           'no kernel log line says that this boot\'s denied built-ins were only unbound')
    expect('i8042_init' in words(line2, 'initcall_blacklist'),
           f'the line written for the next boot does not stop i8042: {line2}')
    expect(line2.startswith(BASE), 'the administrator\'s words were not kept first')
    st = status_json(f, 'boot 1')
    b = {x['module']: x['state'] for x in st['cmdline']['builtins']}
    expect(b.get('i8042') in ('running', 'unbound'), f'boot 1 status: i8042 is {b.get("i8042")}')
    return pnp


def check_stopped(f, line, what, pnp):
    expect(f.ended, f'{what}: the guest did not reach the real root')
    expect(f.actions.get('bootcfg-boot') == 0 and not log_has(f, 'drvfw: bootcfg:'),
           f'{what}: drvfw bootcfg --boot did something although the names were known')
    blacklisted = {m.group(1) for t in f.outputs.get('log', []) for m in [re.search(r'initcall (\S+) blacklisted', t)] if m}
    for fn in words(line, 'initcall_blacklist'):
        expect(fn in blacklisted, f'{what}: no "initcall {fn} blacklisted" in the kernel log '
               f'(blacklisted: {sorted(blacklisted)})')
    expect(blacklisted, f'{what}: the kernel log shows no blacklisted initcall (initcall_debug, dyndbg)')
    expect(not log_has(f, 'calling  i8042_init'), f'{what}: i8042_init was called')
    msgs = log_has(f, r'\]\s+(i8042: |serio: i8042)')
    expect(not msgs, f'{what}: i8042\'s boot messages are in the log: {msgs[:3]}')
    for name in ('pivot', 'root'):
        ph = f.phase(name)
        expect(not ph.find(bus='platform', name='i8042'),
               f'{what}, {name}: a platform i8042 device exists: i8042_init ran')
        for dev in pnp:
            d = ph.one(f'PS/2 port {dev}', bus='pnp', name=dev)
            expect(d.driver is None, f'{what}, {name}: pnp/{dev} is bound to {d.driver!r}')
    expect(not [r for r in f.drvfw_report if 'i8042' in r],
           f'{what}: drvfw enforce had something to do with i8042: {f.drvfw_report}')
    st = status_json(f, what)
    c = st['cmdline']
    expect(c['booted_policy'] and c['booted_policy'] == c['current_policy'],
           f'{what}: booted policy {c["booted_policy"]}, current {c["current_policy"]}')
    b = {x['module']: x['state'] for x in c['builtins']}
    expect(b.get('i8042') == 'stopped', f'{what}: drvfw status says i8042 is {b.get("i8042")}')
    return c


def run(env, work, timeout):
    res = {}
    # 0: the shipped profile, no fragment
    f0, _ = boot(env, os.path.join(work, 'control'), sub('control', PROFILE), timeout)
    check_control(f0)

    # 1: first boot of the kernel, names unknown to the host
    w1 = os.path.join(work, 'learn')
    sc1 = sub('learn', PROFILE_ALLOW, GUEST, prepare=host_bootcfg(env))
    os.makedirs(w1, exist_ok=True)
    rc, img, _, out = vmlib.build_initramfs(env, w1, sc1)
    if rc != 0:
        raise Failure(f'dracut failed ({rc}):\n{out[-3000:]}')
    rootimg, usbimg = vmlib.build_root(env, w1, img, sc1)
    line1 = vmlib.read_root_file(rootimg, '/etc/kernel/cmdline').strip()
    sc1.append = line1
    f1 = vmlib.boot(env, w1, rootimg, usbimg, sc1, timeout)
    line2 = vmlib.read_root_file(rootimg, '/etc/kernel/cmdline').strip()
    learned = os.path.join(work, f'learned-{env.kver}')
    vmlib.write(learned, vmlib.read_root_file(rootimg, f'/var/lib/drvfw/initcalls/{env.kver}'))
    pnp = check_learning(f1, line1, line2)

    # 2: the next boot of the same machine, with the line boot 1 wrote
    sc2 = sub('learned', PROFILE_ALLOW, GUEST, append=line2)
    f2 = vmlib.boot(env, w1, rootimg, usbimg, sc2, timeout)
    check_stopped(f2, line2, 'boot 2', pnp)

    # 3: the shipped profile with the line drvfw bootcfg writes from those names
    w3 = os.path.join(work, 'confidential')
    sc3 = sub('confidential', PROFILE, GUEST, prepare=host_bootcfg(env, learned))
    os.makedirs(w3, exist_ok=True)
    rc, img, _, out = vmlib.build_initramfs(env, w3, sc3)
    if rc != 0:
        raise Failure(f'dracut failed ({rc}):\n{out[-3000:]}')
    rootimg, usbimg = vmlib.build_root(env, w3, img, sc3)
    line3 = vmlib.read_root_file(rootimg, '/etc/kernel/cmdline').strip()
    sc3.append = line3
    f3 = vmlib.boot(env, w3, rootimg, usbimg, sc3, timeout)
    c = check_stopped(f3, line3, 'boot 3 (confidential-guest, on-error = deny)', pnp)
    figure = (f'{c["builtin_stopped"]} of {c["builtin_denied"]} denied device-facing built-ins '
              f'stopped before init (Debian kernel {env.kver}, q35, confidential-guest)')
    log(figure)
    print(f'FIGURE {figure}', flush=True)
    vmlib.write(os.path.join(work, 'figure.txt'), figure + '\n' + line3 + '\n')
    res.update({'report': f3.boot_uptime, 'wall': f3.wall, 'line_bytes': len(line3)})
    return res


SCENARIO = Scenario('40-q35-bootcfg',
                    'q35 + confidential-guest: the line drvfw bootcfg writes stops denied built-ins '
                    'before init (learned on a first boot), and the machine boots',
                    None, runner=run, machine='q35')
