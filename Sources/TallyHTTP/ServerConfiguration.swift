import TallyCore

/// What `tally serve` decides about the HTTP server.
public struct ServerConfiguration: Sendable {
    /// Address to bind (default loopback only).
    public var hostname: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// Request limits.
    public var limits: Limits
    /// Requests per minute per realm; nil turns rate limiting off (the default).
    public var rateLimitPerMinute: Int?
    /// How long an Idempotency-Key is remembered (default 24 hours).
    public var idempotencyRetentionSeconds: Int64 = 24 * 3_600
    /// A connection idle this long is closed (slow or half-open clients).
    public var idleTimeoutSeconds: Int64 = 30
    /// Largest single request header, in bytes.
    public var headerBytesMax: Int = 16 * 1_024
    /// Largest set of request headers, in bytes.
    public var headersBytesMax: Int = 64 * 1_024
    /// Most request headers.
    public var headerCountMax: Int = 100
    /// Where `GET /metrics` is served: nil (the default) on the main port, without a key; else on
    /// a listener of its own at this address, and not on the main port.
    public var metricsAddress: ListenAddress?
    /// Whether webhook subscriptions may point at loopback, link-local and private addresses
    /// (`serve --webhooks-allow-private`; off by default).
    public var webhooksAllowPrivate = false

    /// A configuration.
    public init(
        hostname: String = "127.0.0.1", port: Int = 8080, limits: Limits = .standard, rateLimitPerMinute: Int? = nil
    ) {
        self.hostname = hostname
        self.port = port
        self.limits = limits
        self.rateLimitPerMinute = rateLimitPerMinute
    }
}

/// A host and port to listen on.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The address to bind.
    public var hostname: String
    /// The port; 0 picks a free one.
    public var port: Int

    /// An address.
    public init(hostname: String, port: Int) {
        self.hostname = hostname
        self.port = port
    }

    /// `host:port`, an IPv6 host in brackets (`[::1]:9090`); nil when malformed or the port is
    /// not 0 to 65535.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, !host.contains(where: { $0 == "[" || $0 == "]" || $0 == " " }) else { return nil }
        self.init(hostname: String(host), port: port)
    }

    public var description: String { hostname.contains(":") ? "[\(hostname)]:\(port)" : "\(hostname):\(port)" }
}
