// One server at a time, as in the control plane's tests: it keeps the VM count low on a 2-core machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
