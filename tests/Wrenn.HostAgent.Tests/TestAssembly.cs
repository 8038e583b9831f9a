// Each collection shares one booted capsule; running collections one at a time keeps at most two
// VMs alive on a 2-core machine (a shared capsule plus a test's own).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
