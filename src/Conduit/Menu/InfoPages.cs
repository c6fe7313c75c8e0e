namespace Conduit.Menu;

/// <summary>The info &amp; help pages: static text for the volunteers who run nodes. Each fits 80x24.</summary>
internal static class InfoPages
{
    public static readonly IReadOnlyList<(char Key, string Title, string Text)> All =
    [
        ('1', "How the tracker works", """
            The tracker (`conduit track`, or the conduit-tracker service) watches the packets on the default route's interface with eBPF or libpcap and counts TCP and UDP traffic per remote address, except SSH. Each address is looked up in a country database built into the binary; nothing is sent anywhere to do that.
            - FROM / in: bytes received from the remote side. TO / out: bytes sent to it.
            - Private, CGNAT and other reserved ranges are counted as "reserved", never as a country.
            - The service saves its totals every 15 s, so a restart loses at most one interval.
            Its per-country figures are the addresses your machine exchanged packets with: clients, but also Psiphon's brokers and servers your nodes relay to. The nodes' own region figures (the "clients by country" lists) are the clients' countries as the Psiphon broker tells each node: they are the authoritative client counts. Expect the two to differ.
            """),
        ('2', "Understanding the stats", """
            - Connected: clients a node is relaying for right now. Connecting: clients being set up (a short-lived handshake; many connecting and few connected usually means inbound UDP is blocked).
            - Announcing: the node is offering itself to the broker and waiting for clients.
            - Up / Down: bytes the nodes relayed since the cluster started counting; they survive node restarts. "Session" figures start again when a node restarts.
            - CPU and RAM per container are Docker's cgroup figures; App is all nodes together, System the whole machine.
            - Traffic is in SI units (1 MB = 1,000,000 bytes), rates in bit/s; memory and the data cap in MiB/GiB.
            The dashboard refreshes every 5 s, advanced stats every 15 s; any key returns to the menu.
            """),
        ('3', "Containers and scaling", """
            Each container runs one Psiphon Conduit node with its own key (its identity and reputation) on its own volume, named <name>-data, <name>-data-2, ...
            More containers on one IP do not add capacity linearly: the Psiphon network limits clients per node IP address, so every container on this machine shares one budget. A few containers help use the CPU cores; beyond that, another machine with another IP helps more than another container.
            - Rough guidance: 150-350 clients per CPU core and 2 GB of RAM.
            - Removing containers keeps their volumes by default: the keys are the nodes' reputation. Scaling up again reuses them.
            - A settings change recreates only the containers it affects; the others keep running.
            """),
        ('4', "Networking", """
            Nodes listen on no fixed port: clients reach them over WebRTC at a fresh UDP port for each session, arranged by Psiphon's broker, and the node's own traffic to the network goes out.
            - host (default): each node uses the machine's public address directly. Nodes reachable without NAT fall in the best NAT class and are matched with the most clients.
            - bridge: nodes sit behind Docker's NAT with an nginx balancer in front (the v2 design). It works, but NAT likely costs clients and the broker already spreads them.
            Keep inbound UDP open in your firewall. Each node's metrics port is bound to 127.0.0.1 only.
            """),
        ('5', "Privacy and security", """
            - The QR code and claim link contain the node's PRIVATE KEY. Whoever sees or photographs them can run a node with its identity and take its reputation. Scan them only with your own Ryve app; never share or screenshot them. The proxy ID alone is public and safe to share.
            - Key backups are written to <home>/backups with mode 0600; a restore keeps the replaced key as a pre-restore copy.
            - The tracker stores per-country totals and the addresses it saw in <home>/traffic_stats on this machine only. Its status endpoint listens on loopback only.
            - Nothing leaves the machine except the nodes' own traffic, image pulls from the registry, and Telegram messages if you turn them on.
            """),
    ];
}
