import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TallyCore

/// Sends one signed delivery and says what the receiver did. The deliverer's only way out to the
/// network, so tests can stand in for it.
public protocol WebhookSender: Sendable {
    /// POSTs `body` with `headers` to `url` and returns the receiver's answer, within `timeout`.
    func send(url: WebhookURL, body: [UInt8], headers: [(String, String)], timeout: Duration) async -> DeliveryResult
    /// Closes what it holds open; the deliverer calls it when it stops.
    func shutdown() async
}

/// The real sender: AsyncHTTPClient, redirects not followed, no proxy, the answer read up to a
/// small bound and the rest dropped; unless private receivers are allowed, a host whose name
/// resolves to a loopback, link-local or private address is refused before connecting.
public final class HTTPWebhookSender: WebhookSender {
    let client: HTTPClient
    let allowPrivate: Bool
    let responseBytesMax: Int

    /// A sender with its own HTTP client (closed by `shutdown()`, which the deliverer calls when it
    /// stops).
    public init(allowPrivate: Bool, policy: DeliveryPolicy) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(
            connect: .milliseconds(min(policy.timeoutMilliseconds, 10_000)),
            read: .milliseconds(policy.timeoutMilliseconds))
        configuration.decompression = .disabled
        configuration.connectionPool = .init(idleTimeout: .seconds(30))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.allowPrivate = allowPrivate
        responseBytesMax = policy.responseBytesMax
    }

    /// Closes the client's connections.
    public func shutdown() async {
        try? await client.shutdown()
    }

    public func send(url: WebhookURL, body: [UInt8], headers: [(String, String)], timeout: Duration) async
        -> DeliveryResult
    {
        if !allowPrivate, IPAddress(url.host) == nil {
            switch await AddressResolver.publicOnly(host: url.host, port: url.port) {
            case .public: break
            case .refused(let reason): return .noAnswer(reason: reason)
            }
        }
        var request = HTTPClientRequest(url: url.text)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Tally/\(TallyVersion.version)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.wholeNanoseconds)))
            // Read a little of the answer, for the connection's sake; the rest is dropped unread.
            var read = 0
            for try await chunk in response.body {
                read += chunk.readableBytes
                if read >= responseBytesMax { break }
            }
            return .answered(status: Int(response.status.code))
        } catch let error as HTTPClientError {
            return .noAnswer(reason: Self.reason(error))
        } catch {
            // A connection error says what failed (refused, unreachable) and no more than host and port.
            return .noAnswer(reason: "could not deliver: \(String(describing: error).prefix(200))")
        }
    }

    /// A few words for an HTTP client error (never a URL's query, a header or a body).
    static func reason(_ error: HTTPClientError) -> String {
        switch error {
        case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: "timed out"
        case .remoteConnectionClosed: "the receiver closed the connection"
        case .tlsHandshakeTimeout: "TLS handshake timed out"
        default: "could not deliver: \(error.shortDescription)"
        }
    }
}

extension Duration {
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Resolves a receiver's host name and refuses it when any of its addresses is not public.
enum AddressResolver {
    enum Verdict: Equatable {
        case `public`
        case refused(String)
    }

    /// The verdict on `host`: refused when it does not resolve or one of its addresses is a
    /// loopback, link-local, private or otherwise non-public one. (A name can change its
    /// addresses between this check and the connection; docs/EVENTS.md says so.)
    static func publicOnly(host: String, port: Int) async -> Verdict {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: resolve(host: host, port: port))
            }
        }
    }

    static func resolve(host: String, port: Int) -> Verdict {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else {
            return .refused("the host name did not resolve")
        }
        defer { freeaddrinfo(first) }
        var node: UnsafeMutablePointer<addrinfo>? = first
        var any = false
        while let current = node {
            if let address = current.pointee.ai_addr {
                let bytes: [UInt8]
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                    }
                case AF_INET6:
                    bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                    }
                default:
                    bytes = []
                }
                if let ip = IPAddress(bytes: bytes) {
                    guard ip.isPublic else {
                        return .refused(
                            "the host resolves to a loopback, link-local or private address, refused without "
                                + "--webhooks-allow-private")
                    }
                    any = true
                }
            }
            node = current.pointee.ai_next
        }
        return any ? .public : .refused("the host name did not resolve")
    }
}
