
namespace Wrenn.Recipes.Tests;

/// <summary>The recipe language as the reference Wrenn defines it, so its recipes build here unchanged.</summary>
public sealed class RecipeTests
{
    [Fact]
    public void EveryInstruction_Parses_InAnyCase()
    {
        var steps = Recipe.Parse(
        [
            "RUN apt-get install -y jq",
            "run --timeout=5m make",
            "",
            "START python3 -m http.server 8000",
            "ENV GREETING=hello world=yes",
            "WORKDIR /srv/my app",
            "USER wrenn_user-2",
            "COPY a b/c /dst",
        ]);

        Assert.Equal(new RunStep("RUN apt-get install -y jq", "apt-get install -y jq", null), steps[0]);
        Assert.Equal(new RunStep("run --timeout=5m make", "make", TimeSpan.FromMinutes(5)), steps[1]);
        Assert.Equal("python3 -m http.server 8000", Assert.IsType<StartStep>(steps[2]).Command);
        var env = Assert.IsType<EnvStep>(steps[3]);
        Assert.Equal(("GREETING", "hello world=yes"), (env.Key, env.Value));
        Assert.Equal("/srv/my app", Assert.IsType<WorkdirStep>(steps[4]).Path);
        Assert.Equal("wrenn_user-2", Assert.IsType<UserStep>(steps[5]).Name);
        var copy = Assert.IsType<CopyStep>(steps[6]);
        Assert.Equal(["a", "b/c"], copy.Sources);
        Assert.Equal("/dst", copy.Destination);
    }

    [Theory]
    [InlineData("FROM debian", "recipe line 1: unknown instruction \"FROM\" (expected RUN, START, ENV, WORKDIR, USER, or COPY)")]
    [InlineData("RUN", "recipe line 1: RUN requires a command: \"RUN\"")]
    [InlineData("RUN --timeout=5m", "recipe line 1: RUN --timeout= flag has no command: \"RUN --timeout=5m\"")]
    [InlineData("RUN --timeout=soon make", "recipe line 1: RUN --timeout= invalid duration \"soon\"")]
    [InlineData("ENV NOVALUE", "recipe line 1: ENV requires KEY=VALUE format: \"ENV NOVALUE\"")]
    [InlineData("ENV =x", "recipe line 1: ENV key is empty: \"ENV =x\"")]
    [InlineData("ENV MY-VAR=1", "recipe line 1: ENV key must be a shell variable name ([A-Za-z_][A-Za-z0-9_]*): \"ENV MY-VAR=1\"")]
    [InlineData("RUN --timeout=2000h make", "recipe line 1: RUN --timeout= invalid duration \"2000h\"")]
    [InlineData("USER 1st", "recipe line 1: USER username must start with a letter or underscore: \"USER 1st\"")]
    [InlineData("USER bad user", "recipe line 1: USER username contains invalid character ' ': \"USER bad user\"")]
    [InlineData("COPY onlyone", "recipe line 1: COPY requires <src>... <dst>: \"COPY onlyone\"")]
    [InlineData("# a comment", "recipe line 1: unknown instruction \"#\" (expected RUN, START, ENV, WORKDIR, USER, or COPY)")]
    public void BadLines_AreRefused_WithTheirLineAndReason(string line, string message) =>
        Assert.Equal(message, Assert.Throws<RecipeException>(() => Recipe.Parse([line])).Message);

    [Fact]
    public void AnEmptyRecipe_IsRefused() =>
        Assert.Equal("recipe must contain at least one command", Assert.Throws<RecipeException>(() => Recipe.Parse(["", "  "])).Message);

    [Theory]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("250ms", 250)]
    [InlineData("0", 0)]
    public void GoDurations_Parse(string text, long milliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration));
        Assert.Equal(milliseconds, (long)duration.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("m")]
    [InlineData("5 m")]
    [InlineData("-5s")]
    public void BadDurations_DoNotParse(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Fact]
    public void Steps_AreWrapped_AsTheReferenceWrapsThem()
    {
        var bare = new RecipeShell([]);
        Assert.Equal("echo 'hi'", bare.RunCommand("echo 'hi'"));

        var shell = new RecipeShell([new("PATH", "/bin"), new("A", "it's")]);
        shell.ChangeDirectory("/app");
        Assert.Equal("cd '/app' && A='it'\\''s' PATH='/bin' /bin/sh -c 'echo hi'", shell.RunCommand("echo hi"));
        Assert.Equal("cd '/app' && A='it'\\''s' PATH='/bin' nohup /bin/sh -c 'serve' >/dev/null 2>&1 &", shell.StartCommand("serve"));

        shell.ChangeUser("bob");
        Assert.Equal("su 'bob' -s /bin/sh -c 'curl -sf x'", shell.CheckCommand("curl -sf x"));
        Assert.StartsWith("su 'bob' -s /bin/sh -c 'cd '\\''/app'\\'' && A=", shell.RunCommand("true"), StringComparison.Ordinal);
        Assert.DoesNotContain("HOME", shell.TemplateEnvironment.Keys);
    }

    [Fact]
    public void EnvValues_ExpandVariables_AsTheReferenceDoes()
    {
        var shell = new RecipeShell([new("HOME", "/root"), new("PATH", "/bin")]);
        shell.Set("A", "$HOME/x:${PATH}:$$:$MISSING:${}:$");
        Assert.Equal("/root/x:/bin:$:::$", shell.TemplateEnvironment["A"]);
    }

    [Fact]
    public void Healthchecks_Parse_WithTheReferenceDefaults()
    {
        Assert.Equal(new Healthcheck("curl -sf http://127.0.0.1:8888/api/status", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10), TimeSpan.Zero, 0),
            Healthcheck.Parse("curl  -sf http://127.0.0.1:8888/api/status"));
        Assert.Equal(new Healthcheck("curl x", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), 5),
            Healthcheck.Parse("--interval=5s --timeout=5s --start-period=60s --retries=5 curl x"));
        Assert.Equal("unknown healthcheck flag: \"--every=1s\"", Assert.Throws<RecipeException>(() => Healthcheck.Parse("--every=1s curl x")).Message);
        Assert.Equal("malformed flag (missing '='): \"--interval\"", Assert.Throws<RecipeException>(() => Healthcheck.Parse("--interval curl x")).Message);
        Assert.Equal("healthcheck has no command", Assert.Throws<RecipeException>(() => Healthcheck.Parse("--interval=1s")).Message);
        Assert.Equal("empty healthcheck", Assert.Throws<RecipeException>(() => Healthcheck.Parse(" ")).Message);
        Assert.Equal("parse interval: \"2000h\"", Assert.Throws<RecipeException>(() => Healthcheck.Parse("--interval=2000h curl x")).Message);
    }
}
