using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>A time the API writes as integer Unix seconds (file times, metric points) rather than RFC 3339.</summary>
public sealed class UnixSecondsConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc />
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64());

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        => writer.WriteNumberValue(value.ToUnixTimeSeconds());
}
