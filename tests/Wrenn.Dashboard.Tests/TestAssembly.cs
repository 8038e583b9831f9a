// One server and one browser at a time, as in the other real-VM suites: at most two VMs on a 2-core machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
