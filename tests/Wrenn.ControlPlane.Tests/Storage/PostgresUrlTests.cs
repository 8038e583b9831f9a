using Npgsql;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Tests.Storage;

public sealed class PostgresUrlTests
{
    [Fact]
    public void AUrl_NamesHostPortDatabaseAndDecodedCredentials()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresUrl.ToConnectionString("postgres://wrenn:p%40ss%3Aword@db.example.com:6432/wrenn_state?sslmode=require"));

        Assert.Equal(("db.example.com", 6432, "wrenn_state", "wrenn", "p@ss:word", SslMode.Require),
            (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password, builder.SslMode));
    }

    [Fact]
    public void ThePort_DefaultsTo5432_AndPostgresqlIsTheSameScheme()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresUrl.ToConnectionString("postgresql://wrenn@[::1]/wrenn"));

        Assert.Equal(("::1", 5432, "wrenn", null), (builder.Host, builder.Port, builder.Username, builder.Password));
    }

    [Theory]
    [InlineData("wrenn.db")]
    [InlineData("mysql://wrenn:pw@db/wrenn")]
    [InlineData("postgres://wrenn:pw@db")]
    [InlineData("postgres://wrenn:pw@db/wrenn?no_such_option=1")]
    public void WhatIsNotAPostgresUrl_IsAFormatException(string url) =>
        Assert.Throws<FormatException>(() => PostgresUrl.ToConnectionString(url));
}
