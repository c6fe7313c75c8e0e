#nullable disable warnings
using System.Text.Json;
using Conduit.Cluster;
using Conduit.Settings;
using Conduit.Tests.Cluster;

namespace Conduit.Tests.Personal;

public sealed class PersonalNodeTests(StandinCliImages images) : IClassFixture<StandinCliImages>
{
    static DockerSandbox Box(string image)
    {
        var box = new DockerSandbox();
        box.Set("CONDUIT_IMAGE", image);
        return box;
    }

    static string After(IList<string> cmd, string flag) => cmd[cmd.IndexOf(flag) + 1];

    [Fact]
    public async Task A_2x_image_is_detected_and_personal_new_recreates_the_node_with_the_compartment()
    {
        using var box = Box(images.V2);
        Assert.False((await box.Ops().ScaleAsync(1, false, HostFacts.Current(), default)).Failed);
        var before = box.Inspect(box.Instance);
        Assert.Contains("--max-common-clients", before.Config.Cmd);
        Assert.DoesNotContain("--compartment-id", before.Config.Cmd);

        var r = box.Conduit("personal", "new", "--name", "box-node", "--clients", "3");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("recreated", r.Stdout);
        var after = box.Inspect(box.Instance);
        Assert.NotEqual(before.ID, after.ID);
        var id = After(after.Config.Cmd, "--compartment-id");
        Assert.Null(Conduit.Personal.PersonalCompartment.IdProblem(id));
        Assert.Equal("3", After(after.Config.Cmd, "--max-personal-clients"));
        await DockerSandbox.WaitUntil(async () => (await box.Engine.TryInspectContainerAsync(box.Instance, default))?.State?.Running == true, "the recreated node running");

        var show = box.Conduit("personal", "show", "--json");
        Assert.True(show.ExitCode == 0, show.ToString());
        using var doc = JsonDocument.Parse(show.Stdout);
        Assert.Equal(id, doc.RootElement.GetProperty("id").GetString());
        Assert.Equal(Conduit.Personal.PersonalCompartment.Token(id, "box-node"), doc.RootElement.GetProperty("token").GetString());
        Assert.Equal(3, doc.RootElement.GetProperty("max_personal_clients").GetInt32());

        // The probe ran once and is remembered per image ID.
        var imageId = (await box.Docker.Images.InspectImageAsync(images.V2)).ID;
        var cache = File.ReadAllText(Path.Combine(box.Paths.StateDir, ImageCliProbe.CacheFileName));
        Assert.Contains(imageId, cache);
        Assert.Contains("--max-personal-clients", cache);

        // Reduced hours reach the node through --set on the next restart.
        box.Set("REDUCED_START", "22:00");
        box.Set("REDUCED_END", "06:00");
        box.Set("REDUCED_MAX_CLIENTS", "10");
        var restart = box.Conduit("restart");
        Assert.True(restart.ExitCode == 0, restart.ToString());
        var cmd = box.Inspect(box.Instance).Config.Cmd;
        Assert.Contains("InproxyReducedStartTime=22:00", cmd);
        Assert.Contains("InproxyReducedEndTime=06:00", cmd);
        Assert.Contains("InproxyReducedMaxCommonClients=10", cmd);
        Assert.Equal(id, After(cmd, "--compartment-id"));
        var status = box.Conduit("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("Reduced hours: 22:00-06:00 UTC: max 10 common clients (", status.Stdout);
        Assert.Contains($"Personal clients: 3 per node, compartment {id[..8]}", status.Stdout);
    }

    [Fact]
    public async Task A_1x_image_gets_the_1x_flags_and_personal_settings_are_refused_naming_it_before_anything_changes()
    {
        using var box = Box(images.V1);
        Assert.False((await box.Ops().ScaleAsync(1, false, HostFacts.Current(), default)).Failed);
        var node = box.Inspect(box.Instance);
        Assert.Contains("--max-clients", node.Config.Cmd);
        Assert.Contains("--stats-file", node.Config.Cmd);
        Assert.DoesNotContain("--max-common-clients", node.Config.Cmd);
        var settingsBefore = File.ReadAllText(box.Paths.SettingsFile);

        var r = box.Conduit("personal", "new");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"image {images.V1} speaks the 1.x node flags", r.Stderr);
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Equal(settingsBefore, File.ReadAllText(box.Paths.SettingsFile));

        box.Set("REDUCED_START", "01:00");
        box.Set("REDUCED_END", "02:00");
        box.Set("REDUCED_BANDWIDTH", "1");
        var restart = box.Conduit("restart");
        Assert.Equal(2, restart.ExitCode);
        Assert.Contains("reduced hours are set but image " + images.V1, restart.Stderr);
        Assert.Equal(node.ID, box.Inspect(box.Instance).ID);
    }

    [Fact]
    public async Task Personal_clients_without_a_compartment_are_refused_before_any_container_is_touched()
    {
        using var box = Box(images.V2);
        Assert.False((await box.Ops().ScaleAsync(1, false, HostFacts.Current(), default)).Failed);
        var id = box.Inspect(box.Instance).ID;
        box.Set("MAX_PERSONAL_CLIENTS", "4");
        var r = box.Conduit("restart");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("MAX_PERSONAL_CLIENTS=4 needs a personal compartment", r.Stderr);
        Assert.Equal(id, box.Inspect(box.Instance).ID);

        var bad = box.Conduit("personal", "set", "eyJ2IjoiMSJ9");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("conduit: invalid compartment id or token: token payload must contain exactly keys v and data\n", bad.Stderr);
    }
}
