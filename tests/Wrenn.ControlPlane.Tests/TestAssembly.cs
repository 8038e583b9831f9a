// One server runs at a time: servers of this run share the template snapshots directory (a
// server owns it while it runs), and one at a time keeps the VM count low on a 2-core machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
