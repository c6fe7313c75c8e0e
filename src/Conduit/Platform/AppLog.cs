using Microsoft.Extensions.Logging;
using ZLogger;

namespace Conduit.Platform;

/// <summary>
/// Logging for long-running work (services, watchdog, health): ZLogger to stderr for a person watching, and for
/// services also to a daily file under &lt;root&gt;/logs. One-shot commands print to the console directly instead.
/// Never pass secrets (keys, tokens) to a logger.
/// </summary>
public static class AppLog
{
    public static ILoggerFactory Create(ConduitPaths paths, bool service, LogLevel minimum = LogLevel.Information)
    {
        return LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(minimum);
            logging.AddZLoggerConsole(options =>
            {
                options.LogToStandardErrorThreshold = LogLevel.Trace;
                options.UsePlainTextFormatter(f => f.SetPrefixFormatter($"{0:yyyy-MM-dd HH:mm:ss} {1:short} ",
                    (in MessageTemplate t, in LogInfo info) => t.Format(info.Timestamp, info.LogLevel)));
            });
            if (service)
            {
                Directory.CreateDirectory(paths.LogsDir);
                logging.AddZLoggerRollingFile(options =>
                {
                    options.FilePathSelector = (timestamp, sequence) =>
                        Path.Combine(paths.LogsDir, $"conduit-{timestamp.ToLocalTime():yyyyMMdd}-{sequence}.log");
                    options.RollingInterval = ZLogger.Providers.RollingInterval.Day;
                    options.RollingSizeKB = 10 * 1024;
                    options.UsePlainTextFormatter(f => f.SetPrefixFormatter($"{0:yyyy-MM-dd HH:mm:ss} {1:short} ",
                        (in MessageTemplate t, in LogInfo info) => t.Format(info.Timestamp, info.LogLevel)));
                });
            }
        });
    }
}
