using System.Text;
using Conduit.Platform;

namespace Conduit.Host.Services;

/// <summary>A file the services layer installs: its name and content.</summary>
public sealed record ServiceFile(string Name, string Content);

/// <summary>
/// The unit, timer and cron files that start the cluster at boot, keep the tracker running and run the health
/// check (5 min), nginx watchdog (1 min) and data cap check (1 min, and at boot before the nodes start). Nothing on these paths ever prompts: stdin is /dev/null.
/// </summary>
public sealed class ServiceFiles(ConduitPaths paths)
{
    /// <summary>Where the binary lives on the host (inside the unit files, so never prefixed by the sysroot).</summary>
    public const string Binary = "/usr/local/bin/conduit";

    public static readonly string[] Units =
        ["conduit.service", "conduit-tracker.service", "conduit-health.service", "conduit-health.timer", "conduit-watchdog.service", "conduit-watchdog.timer", "conduit-cap.service", "conduit-cap.timer"];

    /// <summary>Units enabled at install: the cluster at boot, the tracker, and the two timers.</summary>
    public static readonly string[] Enabled = ["conduit.service", "conduit-tracker.service", "conduit-health.timer", "conduit-watchdog.timer", "conduit-cap.timer"];

    /// <summary>What install starts and remove stops (conduit.service is left as it is: stopping it stops the cluster).</summary>
    public static readonly string[] Background = ["conduit-tracker.service", "conduit-health.timer", "conduit-watchdog.timer", "conduit-cap.timer"];

    public const string CronName = "conduit";

    /// <summary>The bot's unit, written only while TELEGRAM_ENABLED=true.</summary>
    public const string TelegramUnit = "conduit-telegram.service";

    /// <summary>TELEGRAM_ENABLED=true in settings.conf (a file that does not load means no bot unit).</summary>
    public bool TelegramEnabled
    {
        get
        {
            try { return Settings.ConduitSettings.Load(paths.SettingsFile)["TELEGRAM_ENABLED"] == "true"; }
            catch (Exception e) when (e is ConduitException or IOException or UnauthorizedAccessException) { return false; }
        }
    }

    string Home => paths.Home;

    /// <summary>Hardening every unit shares: no privilege gain, private /tmp, read-only /usr, /boot and /etc.</summary>
    string CommonHardening(bool protectEtc) =>
        "NoNewPrivileges=yes\nPrivateTmp=yes\nProtectHome=yes\n" +
        (protectEtc ? $"ProtectSystem=full\nReadWritePaths={Home} -/etc/nginx\n" : $"ReadWritePaths={Home}\n") +
        "ProtectKernelModules=yes\nProtectControlGroups=yes\nRestrictSUIDSGID=yes\nRestrictRealtime=yes\nLockPersonality=yes\nSystemCallArchitectures=native\n";

    string Env => $"Environment=CONDUIT_HOME={Home} NO_COLOR=1\nStandardInput=null\n";

    public IReadOnlyList<ServiceFile> SystemdFiles() => TelegramEnabled ? [.. CoreSystemdFiles(), TelegramService()] : CoreSystemdFiles();

    ServiceFile TelegramService() => new(TelegramUnit, $"""
        # Written by `conduit services install` because TELEGRAM_ENABLED=true; `conduit services remove` deletes it.
        [Unit]
        Description=Conduit Telegram bot (reports, alerts, commands)
        Documentation=man:conduit(1)
        After=network-online.target docker.service
        Wants=network-online.target
        ConditionFileIsExecutable={Binary}

        [Service]
        Type=simple
        {Env}ExecStart={Binary} telegram run
        # Long polling only: no port is opened. The API being down is retried inside; a crash restarts it.
        Restart=always
        RestartSec=30s
        {CommonHardening(protectEtc: true)}
        [Install]
        WantedBy=multi-user.target

        """);

    IReadOnlyList<ServiceFile> CoreSystemdFiles() =>
    [
        new("conduit.service", $"""
            # Written by `conduit services install`; `conduit services remove` deletes it.
            [Unit]
            Description=Psiphon Conduit node cluster
            Documentation=man:conduit(1)
            # The containers need the Docker engine and the network; the binary must exist (the old tool's unit
            # started before it did).
            Requires=docker.service
            After=docker.service network-online.target
            Wants=network-online.target
            ConditionFileIsExecutable={Binary}

            [Service]
            Type=oneshot
            RemainAfterExit=yes
            # The data cap's pass first: a period that ended while the host was down restores the nodes, a cap
            # reached keeps them down (start then refuses, saying until when). Its failure never blocks the boot.
            {Env}ExecStartPre=-{Binary} cap check --quiet
            ExecStart={Binary} start
            ExecStop={Binary} stop
            # Image pulls on a slow link take a while.
            TimeoutStartSec=15min
            {CommonHardening(protectEtc: true)}
            [Install]
            WantedBy=multi-user.target

            """),
        new("conduit-tracker.service", $"""
            # Written by `conduit services install`; `conduit services remove` deletes it.
            [Unit]
            Description=Conduit per-country traffic tracker
            After=network-online.target conduit.service
            Wants=network-online.target
            ConditionFileIsExecutable={Binary}

            [Service]
            Type=simple
            {Env}ExecStart={Binary} track --service
            Restart=on-failure
            RestartSec=5s
            Nice=5
            # libpcap needs CAP_NET_RAW; eBPF needs CAP_BPF with CAP_PERFMON (the verifier refuses our program
            # without it) and CAP_NET_ADMIN for the tc filters. Nothing else: a test runs the tracker in this
            # sandbox with exactly these. The capture lock is an abstract socket, so a read-only /run is fine.
            CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN CAP_BPF CAP_PERFMON
            RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET
            ProtectSystem=strict
            ProtectClock=yes
            ProtectHostname=yes
            RestrictNamespaces=yes
            {CommonHardening(protectEtc: false)}
            [Install]
            WantedBy=multi-user.target

            """),
        OneShot("conduit-health.service", "Conduit cluster health check (repairs what is down)", "health --repair --quiet"),
        Timer("conduit-health.timer", "Run the conduit health check every 5 minutes", "conduit-health.service", "3min", "5min", "30s"),
        OneShot("conduit-watchdog.service", "Conduit nginx watchdog (bridge mode)", "watchdog"),
        Timer("conduit-watchdog.timer", "Run the conduit nginx watchdog every minute", "conduit-watchdog.service", "1min", "1min", "5s"),
        OneShot("conduit-cap.service", "Conduit data cap enforcement (throttle at 90%, stop at 100%)", "cap check --quiet"),
        Timer("conduit-cap.timer", "Run the conduit data cap check every minute", "conduit-cap.service", "1min", "1min", "5s"),
    ];

    ServiceFile OneShot(string name, string description, string arguments) => new(name, $"""
        # Written by `conduit services install`; `conduit services remove` deletes it.
        [Unit]
        Description={description}
        After=docker.service
        ConditionFileIsExecutable={Binary}

        [Service]
        Type=oneshot
        {Env}ExecStart={Binary} {arguments}
        TimeoutStartSec=5min
        {CommonHardening(protectEtc: true)}
        """);

    static ServiceFile Timer(string name, string description, string unit, string onBoot, string every, string accuracy) => new(name, $"""
        # Written by `conduit services install`; `conduit services remove` deletes it.
        [Unit]
        Description={description}

        [Timer]
        OnBootSec={onBoot}
        OnUnitActiveSec={every}
        AccuracySec={accuracy}
        Unit={unit}

        [Install]
        WantedBy=timers.target

        """);

    /// <summary>
    /// /etc/cron.d/conduit for hosts without systemd: the same four jobs. The boot start waits (bounded) for
    /// Docker to answer, since cron does not order @reboot jobs after services.
    /// </summary>
    public ServiceFile CronFile()
    {
        var logs = paths.LogsDir;
        var quiet = $"</dev/null >>{logs}";
        var sb = new StringBuilder();
        sb.Append("# Written by `conduit services install` (systemd is not running here); `conduit services remove` deletes it.\n");
        sb.Append("SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
        sb.Append($"CONDUIT_HOME={Home}\nNO_COLOR=1\n");
        sb.Append($"@reboot root i=0; while [ $i -lt 60 ] && ! docker info >/dev/null 2>&1; do i=$((i+1)); sleep 2; done; {Binary} cap check --quiet {quiet}/cap.log 2>&1; {Binary} start {quiet}/boot.log 2>&1\n");
        sb.Append($"@reboot root {Binary} track --service {quiet}/tracker.log 2>&1\n");
        sb.Append($"*/5 * * * * root {Binary} health --repair --quiet {quiet}/health.log 2>&1\n");
        sb.Append($"* * * * * root {Binary} watchdog {quiet}/watchdog.log 2>&1\n");
        sb.Append($"* * * * * root {Binary} cap check --quiet {quiet}/cap.log 2>&1\n");
        // The bot: started again within a minute when it is not running, never twice (flock on its lock file).
        if (TelegramEnabled)
            sb.Append($"* * * * * root flock -n {Path.Combine(paths.StateDir, "telegram.lock")} {Binary} telegram run {quiet}/telegram.log 2>&1\n");
        return new ServiceFile(CronName, sb.ToString());
    }
}
