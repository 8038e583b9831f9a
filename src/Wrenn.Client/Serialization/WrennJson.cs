using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>
/// Source-generated JSON for every body the SDK sends or reads (no reflection: trim- and AOT-safe).
/// snake_case members, as the API writes them; absent optional members are not sent.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(Capsule))]
[JsonSerializable(typeof(List<Capsule>))]
[JsonSerializable(typeof(CreateCapsuleOptions))]
[JsonSerializable(typeof(ExecBody))]
[JsonSerializable(typeof(ExecReply))]
[JsonSerializable(typeof(BackgroundProcess))]
[JsonSerializable(typeof(ProcessList))]
[JsonSerializable(typeof(PathBody))]
[JsonSerializable(typeof(FileList))]
[JsonSerializable(typeof(MkdirReply))]
[JsonSerializable(typeof(IReadOnlyList<Template>))]
[JsonSerializable(typeof(Template))]
[JsonSerializable(typeof(SnapshotBody))]
[JsonSerializable(typeof(CreateBuildOptions))]
[JsonSerializable(typeof(Build))]
[JsonSerializable(typeof(IReadOnlyList<Build>))]
[JsonSerializable(typeof(IReadOnlyList<BuildStepLog>))]
[JsonSerializable(typeof(MetricsRange))]
[JsonSerializable(typeof(StatsRange))]
[JsonSerializable(typeof(CapsuleMetrics))]
[JsonSerializable(typeof(TeamStats))]
[JsonSerializable(typeof(TeamUsage))]
[JsonSerializable(typeof(SignupBody))]
[JsonSerializable(typeof(SignupResult))]
[JsonSerializable(typeof(LoginBody))]
[JsonSerializable(typeof(ActivateBody))]
[JsonSerializable(typeof(SwitchTeamBody))]
[JsonSerializable(typeof(Session))]
[JsonSerializable(typeof(CurrentUser))]
[JsonSerializable(typeof(Team))]
[JsonSerializable(typeof(IReadOnlyList<Team>))]
[JsonSerializable(typeof(TeamDetails))]
[JsonSerializable(typeof(IReadOnlyList<TeamMember>))]
[JsonSerializable(typeof(TeamMember))]
[JsonSerializable(typeof(TeamNameBody))]
[JsonSerializable(typeof(MemberBody))]
[JsonSerializable(typeof(ApiKeyBody))]
[JsonSerializable(typeof(CreatedApiKey))]
[JsonSerializable(typeof(IReadOnlyList<ApiKey>))]
[JsonSerializable(typeof(AuditPage))]
[JsonSerializable(typeof(HostInfo))]
[JsonSerializable(typeof(IReadOnlyList<HostInfo>))]
[JsonSerializable(typeof(CreateHostOptions))]
[JsonSerializable(typeof(HostRegistration))]
[JsonSerializable(typeof(DrainBody))]
[JsonSerializable(typeof(ExecStartMessage))]
[JsonSerializable(typeof(BuildLogMessage))]
[JsonSerializable(typeof(PtyStartMessage))]
[JsonSerializable(typeof(PtyConnectMessage))]
[JsonSerializable(typeof(PtyResizeMessage))]
internal sealed partial class WrennJson : JsonSerializerContext;
