using Conduit.Cli;
using ConsoleAppFramework;

// Composition root: registers the command groups; each group lives in Cli/ and calls into its capability.
Conduit.Platform.StandardStreams.Install();
ConsoleApp.Version = CliApp.Version;
ConsoleApp.Log = Console.WriteLine;
ConsoleApp.LogError = CliApp.ReportFrameworkError;
Conduit.Platform.OperationLock.Notice = line => Console.Error.WriteLine($"conduit: {line}");

var app = ConsoleApp.Create();
app.ConfigureGlobalOptions((ref builder) =>
{
    var home = builder.AddGlobalOption<string>("--home", "install root (default $CONDUIT_HOME or /opt/conduit)", "");
    return new GlobalOptions(home);
});
app.UseFilter<ErrorFilter>();

app.Add("help", CliApp.Help);
app.Add<SettingsCommands>("settings");
app.Add<ResourcesCommands>();
app.Add<ViewCommands>();
app.Add<SelfUpdateCommands>();
app.Add<ClusterCommands>();
app.Add<IdentityCommands>();
app.Add<TuneCommands>("tune");
app.Add<NginxCommands>("nginx");
app.Add<ServicesCommands>("services");
app.Add<HealthCommands>();
app.Add<WatchdogCommands>();
app.Add<InstallCommands>();
app.Add<TrackCommands>();
app.Add<GeoipCommands>("geoip");
app.Add<VersionCommands>();
app.Add<EbpfCommands>();
app.Add<CapCommands>("cap");
app.Add<PersonalCommands>("personal");
app.Add<DoctorCommands>();
app.Add<TelegramCommands>("telegram");
app.Add<MenuCommands>();

return CliApp.Run(app, args);
