using System.Formats.Tar;
using System.IO.Compression;

namespace Wrenn.ControlPlane.Tests.Builds;

/// <summary>
/// The build the tests and the interpreter benchmark make: a Debian package installed, a file from
/// the uploaded archive, a small HTTP server started on guest port 8000, and its healthcheck.
/// </summary>
public static class ServerRecipe
{
    public const int Port = 8000;

    public const string Page = "built by a recipe\n";

    public const string Healthcheck = "--interval=1s --timeout=5s --retries=60 curl -sf http://127.0.0.1:8000/index.html";

    public static readonly string[] Lines =
    [
        "RUN --timeout=5m sudo apt-get install -y --no-install-recommends jq",
        "COPY site /home/wrenn-user/site",
        "WORKDIR /home/wrenn-user/site",
        "ENV GREETING=hello from a recipe",
        "START python3 -m http.server 8000",
    ];

    /// <summary>A tar.gz with site/index.html, as a user would upload it; the same bytes every time (fixed times).</summary>
    public static byte[] Archive()
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar))
        {
            tar.WriteEntry(new UstarTarEntry(TarEntryType.Directory, "site/") { ModificationTime = DateTimeOffset.UnixEpoch });
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "site/index.html")
            {
                ModificationTime = DateTimeOffset.UnixEpoch,
                DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Page)),
            });
        }

        return output.ToArray();
    }
}
