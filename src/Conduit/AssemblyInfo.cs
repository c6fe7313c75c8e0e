// The product runs on Linux only (Docker, libpcap, eBPF, /proc): say so once for the platform analyzer.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
