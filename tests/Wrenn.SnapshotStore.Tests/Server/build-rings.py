# Builds the account, container and object rings of a one-device test cluster with Swift's own
# ring builder (the code behind swift-ring-builder): one Python process instead of nine
# swift-ring-builder runs, which take about a second each.
#   usage: build-rings.py DIR DEVICE ACCOUNT_PORT CONTAINER_PORT OBJECT_PORT
import sys

from swift.common.ring import RingBuilder

PART_POWER = 6  # 64 partitions: plenty for one device
REPLICAS = 1
MIN_PART_HOURS = 1

directory, device = sys.argv[1:3]
for name, port in zip(('account', 'container', 'object'), sys.argv[3:6]):
    builder = RingBuilder(PART_POWER, REPLICAS, MIN_PART_HOURS)
    builder.add_dev({'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': int(port),
                     'device': device, 'weight': 1.0, 'meta': ''})
    builder.rebalance()
    builder.get_ring().save('%s/%s.ring.gz' % (directory, name))
