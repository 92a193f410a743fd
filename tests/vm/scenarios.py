# SPDX-License-Identifier: GPL-2.0-or-later
"""The VM scenarios of issue 4. Each boots once (scenario 10 only builds)
and asserts facts parsed from the guest's records, not log lines."""

from vmlib import Failure

# Device identities in the modalias the guest reports (qemu's IDs).
E1000 = r'pci:v00008086d0000100E'
VIRTIO_PCI = r'pci:v00001AF4d0000'
VIRTIO_NET_PCI = r'pci:v00001AF4d00001000'
VIRTIO_BLK_PCI = r'pci:v00001AF4d00001001'
VIRTIO_RNG_PCI = r'pci:v00001AF4d00001005'
XHCI = r'pci:v00001B36d0000000D'
HDA = r'pci:v00008086d00002668'
VIRTIO_NET = r'virtio:d00000001v'
VIRTIO_BLK = r'virtio:d00000002v'
VIRTIO_RNG = r'virtio:d00000004v'
USB_STORAGE = r'usb:v46F4p0001.*ic08'


class Scenario:
    def __init__(self, name, doc, check, drvfw=True, policy=None, cmdline='', guest='',
                 flavour='shell', build_only=False, dracut_conf=(), build_env=None,
                 on_request=None, qemu_args=(), expect_build_failure=False):
        self.name = name
        self.doc = doc
        self.check = check
        self.drvfw = drvfw
        self.policy = policy
        self.cmdline = cmdline
        self.guest = guest
        self.flavour = flavour
        self.build_only = build_only
        self.dracut_conf = list(dracut_conf)
        self.build_env = dict(build_env or {})
        self.on_request = on_request
        self.qemu_args = list(qemu_args)
        self.expect_build_failure = expect_build_failure


def expect(cond, msg):
    if not cond:
        raise Failure(msg)


def bound(phase, what, modalias, driver, bus=None):
    d = phase.one(what, modalias=modalias, bus=bus)
    expect(d.driver == driver, f'{phase.name}: {what} {d.name} is bound to {d.driver!r}, expected {driver!r}')
    return d


def unbound(phase, what, modalias, bus=None):
    for d in phase.find(modalias=modalias, bus=bus):
        expect(d.driver is None, f'{phase.name}: {what} {d.name} is bound to {d.driver!r}, expected no driver')
    return phase.find(modalias=modalias, bus=bus)


def stock_bindings(ph):
    """What a stock boot of this VM binds (scenario 1)."""
    bound(ph, 'e1000 NIC', E1000, 'e1000')
    bound(ph, 'virtio-net PCI function', VIRTIO_NET_PCI, 'virtio-pci')
    bound(ph, 'virtio-blk PCI function', VIRTIO_BLK_PCI, 'virtio-pci')
    bound(ph, 'virtio-rng PCI function', VIRTIO_RNG_PCI, 'virtio-pci')
    bound(ph, 'virtio net device', VIRTIO_NET, 'virtio_net')
    bound(ph, 'virtio block device', VIRTIO_BLK, 'virtio_blk')
    bound(ph, 'virtio rng device', VIRTIO_RNG, 'virtio_rng')
    bound(ph, 'xHCI controller', XHCI, 'xhci_hcd')
    bound(ph, 'USB storage interface', USB_STORAGE, 'usb-storage')
    bound(ph, 'HDA controller', HDA, 'snd_hda_intel')
    d = ph.one('i8042 platform device', bus='platform', name='i8042')
    expect(d.driver == 'i8042', f'{ph.name}: i8042 bound to {d.driver!r}')
    d = ph.one('serial8250 platform device', bus='platform', name='serial8250')
    expect(d.driver == 'serial8250', f'{ph.name}: serial8250 bound to {d.driver!r}')
    for m in ('e1000', 'virtio_net', 'virtio_blk', 'virtio_rng', 'xhci_pci', 'usb_storage', 'snd_hda_intel'):
        expect(m in ph.modules, f'{ph.name}: module {m} is not loaded (loaded: {sorted(ph.modules)})')


def check_baseline(f):
    for name in ('pivot', 'root'):
        if name == 'pivot':
            # usb-storage may still be probing when the initramfs hands over
            continue
        stock_bindings(f.phase(name))
    expect(f.ended, 'the guest did not finish its report')


SCENARIOS = [
    Scenario('01-baseline',
             'no drvfw: every device binds as on a stock boot (proves the harness)',
             check_baseline, drvfw=False),
]


def by_name(name):
    for s in SCENARIOS:
        if s.name == name or s.name.split('-', 1)[0] == name.zfill(2) or s.name.split('-', 1)[1] == name:
            return s
    return None
