import Foundation

/// A certificate authority made with `openssl` for one test, in a directory the test owns: its
/// root certificate (`certificate`, the file a client trusts) and the server certificates it
/// signs. P-256 keys, valid for two days, nothing read from the system's OpenSSL configuration
/// but the defaults `openssl req` needs.
public struct TestCertificateAuthority: Sendable {
    /// The root certificate, PEM.
    public let certificate: URL
    private let key: URL
    private let directory: URL
    private let name: String

    /// True when `openssl` is on the PATH; otherwise prints why the TLS tests are skipped.
    public static let available: Bool = {
        if (try? Subprocess.run(["openssl", "version"], in: URL(fileURLWithPath: "/tmp"))) != nil { return true }
        print("TallyPostgresTests: TLS tests SKIPPED — no openssl on the PATH.")
        return false
    }()

    /// Makes a self-signed root `name` (its files `name.pem` and `name.key`) in `directory`.
    public init(name: String, in directory: URL) throws {
        self.directory = directory
        self.name = name
        key = directory.appendingPathComponent("\(name).key")
        certificate = directory.appendingPathComponent("\(name).pem")
        let request = directory.appendingPathComponent("\(name).csr")
        let extensions = directory.appendingPathComponent("\(name).ext")
        try Data(
            """
            basicConstraints = critical, CA:TRUE
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash

            """.utf8
        ).write(to: extensions)
        try Self.makeKey(key, in: directory)
        try Subprocess.run(
            ["openssl", "req", "-new", "-key", key.path, "-subj", "/CN=Tally test \(name)", "-out", request.path],
            in: directory)
        try Subprocess.run(
            [
                "openssl", "x509", "-req", "-in", request.path, "-signkey", key.path, "-days", "2",
                "-extfile", extensions.path, "-set_serial", Self.serial(), "-out", certificate.path,
            ], in: directory)
    }

    /// Signs a server certificate for the DNS names and IP addresses given (its only subject
    /// alternative names, so a client checking the host name accepts exactly those) and returns
    /// it with its private key, `file.pem` and `file.key` in the authority's directory.
    public func issueServerCertificate(
        file: String, dnsNames: [String], ipAddresses: [String] = []
    ) throws -> PostgresServer.TLSFiles {
        let key = directory.appendingPathComponent("\(file).key")
        let certificate = directory.appendingPathComponent("\(file).pem")
        let request = directory.appendingPathComponent("\(file).csr")
        let extensions = directory.appendingPathComponent("\(file).ext")
        let names = dnsNames.map { "DNS:\($0)" } + ipAddresses.map { "IP:\($0)" }
        try Data(
            """
            basicConstraints = CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = serverAuth
            subjectAltName = \(names.joined(separator: ", "))
            authorityKeyIdentifier = keyid, issuer

            """.utf8
        ).write(to: extensions)
        try Self.makeKey(key, in: directory)
        try Subprocess.run(
            [
                "openssl", "req", "-new", "-key", key.path, "-subj", "/CN=\(dnsNames.first ?? "server")",
                "-out", request.path,
            ], in: directory)
        try Subprocess.run(
            [
                "openssl", "x509", "-req", "-in", request.path, "-CA", self.certificate.path, "-CAkey",
                self.key.path, "-days", "2", "-extfile", extensions.path, "-set_serial", Self.serial(), "-out",
                certificate.path,
            ], in: directory)
        return PostgresServer.TLSFiles(certificate: certificate, key: key)
    }

    private static func makeKey(_ key: URL, in directory: URL) throws {
        try Subprocess.run(
            ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.path],
            in: directory)
    }

    /// A random positive serial number, so two certificates never share one.
    private static func serial() -> String {
        "0x" + (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...127)) }.joined()
    }
}
