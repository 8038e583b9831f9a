using Wrenn.Cli.Capsules;

namespace Wrenn.Cli.Tests.Capsules;

public sealed class ListeningPortsTests
{
    [Fact]
    public void Parse_KeepsListeningSockets_OnePerPort_PreferringTheWildcardAddress()
    {
        const string tables = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:1FBB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
               1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
               2: 0100007F:1FBB 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 20 4 30 10 -1
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1
               1: 00000000000000000000000001000000:2328 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1
            """;
        Assert.Equal([(80, "0.0.0.0"), (8123, "127.0.0.1"), (9000, "::1")], ListeningPorts.Parse(tables));
    }
}
