import Foundation
import Logging
import TallyCore
import TallyPostgres
import TallyTestSupport
import Testing

/// TLS to PostgreSQL, against a server of the test's own that accepts TCP only over TLS, with a
/// certificate authority and a server certificate made here with openssl. The certificate names
/// only `localhost`, so `127.0.0.1` is a host name it does not give.
@Suite(
    .serialized,
    .enabled(if: PostgresServer.available && TestCertificateAuthority.available, "PostgreSQL or openssl is missing"))
struct PostgresTLSTests {
    @Test func eachSSLModeConnectsOrIsRefusedWithItsReason() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let authority = try TestCertificateAuthority(name: "ca", in: directory)
        let stranger = try TestCertificateAuthority(name: "other-ca", in: directory)
        let files = try authority.issueServerCertificate(file: "server", dnsNames: ["localhost"])
        guard let server = try PostgresServer.startTLSOnly(files) else { return }
        defer { server.stop() }
        let name = try await server.makeDatabaseNamed()
        let trusted = authority.certificate.path, untrusted = stranger.certificate.path

        // verify-full with the right root and the name the certificate gives: the whole ledger works.
        let good = server.url(name, host: "localhost", parameters: "sslmode=verify-full&sslrootcert=\(trusted)")
        try await ServiceScope.with { scope in
            let store = scope.start(
                try PostgresLedgerStore(
                    url: good, poolSize: 2, logger: PostgresServer.storeLogger,
                    connectionWait: PostgresServer.connectionWait))
            try await store.migrate()
            let realm = try await store.createRealm(name: "Encrypted")
            let points = try await store.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
            let member = try await store.createMember(Credentials(username: "ann"), in: realm.id)
            let batch = try Batch(realmID: realm.id, changes: [Change(memberID: member.id, amount: 5)])
            _ = try await store.perform(.apply(batch), idempotency: nil)
            #expect(try await store.balance(BalanceKey(currencyID: points.id, memberID: member.id), in: realm.id) == 5)
            #expect(try await store.verify { _ in }.isClean)
        }

        // require encrypts without checking the certificate; verify-ca checks the chain, not the name.
        for parameters in ["sslmode=require", "sslmode=verify-ca&sslrootcert=\(trusted)"] {
            try await ServiceScope.with { scope in
                let url = server.url(name, parameters: parameters)
                let store = scope.start(
                    try PostgresLedgerStore(
                        url: url, poolSize: 1, logger: PostgresServer.storeLogger,
                        connectionWait: PostgresServer.connectionWait))
                #expect(try await store.realms().count == 1, "\(parameters)")
            }
        }

        // Refusals: each a TallyError that says why, without the password, and no connection.
        let refusals: [(parameters: String, host: String, says: String)] = [
            ("sslmode=disable", "localhost", "no encryption"),
            (
                "sslmode=verify-full&sslrootcert=\(untrusted)", "localhost",
                "the server's certificate is not trusted: its chain does not lead to the root certificates in \(untrusted)"
            ),
            ("sslmode=verify-ca&sslrootcert=\(untrusted)", "127.0.0.1", "the server's certificate is not trusted"),
            (
                "sslmode=verify-full&sslrootcert=\(trusted)", "127.0.0.1",
                "the server's certificate does not name 127.0.0.1"
            ),
            (
                "sslmode=verify-full", "localhost",
                "not trusted: its chain does not lead to a root certificate the system trusts"
            ),
        ]
        for (parameters, host, says) in refusals {
            let url = server.url(name, host: host, parameters: parameters)
            try await ServiceScope.with { scope in
                let store = scope.start(try PostgresLedgerStore(url: url, poolSize: 1, logger: Self.silent))
                do {
                    try await store.migrate()
                    Issue.record("\(host) ?\(parameters) must be refused")
                } catch let error as TallyError {
                    #expect(error.code == .unavailable, "\(parameters)")
                    #expect(error.message.contains(says), "\(host) ?\(parameters): \(error.message)")
                    #expect(
                        error.message.contains("@\(host):\(server.port)/\(name)?\(parameters)"),
                        "the message names the server and how it was reached: \(error.message)")
                    #expect(!error.message.contains(PostgresServer.password), "the message shows the password")
                }
                // What a request meets: the generic 503 sentence, not a crash or a 500.
                await #expect(throws: TallyError.unavailable) { try await store.realms() }
            }
        }

        // The command line takes the same URLs through --database: verify passes, and a refusal
        // says why on stderr, without the password.
        let verified = try TallyProcess.run(["verify", "--database", good])
        #expect(verified.status == 0, "tally verify over TLS: \(verified.stderr)")
        let bad = server.url(name, host: "localhost", parameters: "sslmode=verify-full&sslrootcert=\(untrusted)")
        for command in [["migrate"], ["serve", "--port", "0"]] {
            let refused = try TallyProcess.run(command + ["--database", bad], timeout: 60)
            #expect(refused.status != 0, "tally \(command[0]) with an untrusted certificate")
            #expect(refused.stderr.contains("the server's certificate is not trusted"), "\(refused.stderr)")
            #expect(
                !refused.stderr.contains(PostgresServer.password) && !refused.stdout.contains(PostgresServer.password))
        }
        await server.dropDatabase(good)
    }

    /// A server without TLS (the shared one) refuses sslmode=require with a sentence that says so.
    @Test func requireAgainstAServerWithoutTLSSaysSo() async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let url = try await server.makeDatabase()
        let required = url.replacingOccurrences(of: "sslmode=disable", with: "sslmode=require")
        try await ServiceScope.with { scope in
            let store = scope.start(try PostgresLedgerStore(url: required, poolSize: 1, logger: Self.silent))
            do {
                try await store.migrate()
                Issue.record("sslmode=require must be refused by a server without TLS")
            } catch let error as TallyError {
                #expect(error.message.contains("?sslmode=require: the server does not accept TLS connections"))
            }
        }
        await server.dropDatabase(url)
    }

    /// For stores meant to be refused: the store logs each refusal as an error, which here is expected.
    static var silent: Logger {
        var logger = Logger(label: "tally.tests.tls")
        logger.logLevel = .critical
        return logger
    }
}
