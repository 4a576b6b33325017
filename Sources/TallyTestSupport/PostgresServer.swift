import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A throwaway PostgreSQL server for this test run: its own data directory under a fresh temp
/// directory, listening only on 127.0.0.1 on a free port, with `fsync=on`.
///
/// One server serves the whole run; each test asks it for a fresh database. A test that needs a
/// server of its own that speaks only TLS starts one with `startTLSOnly` and stops it; a test that
/// must stop and restart PostgreSQL under a running Tally takes a server of its own
/// (`dedicated()`), never the shared one. A watchdog shell (the server's parent) stops the server
/// and deletes the directory as soon as this test process is gone (or a zombie), however it ends,
/// so no server outlives a run. (Unchecked Sendable: the `Process` is only waited on, in `stop()`.)
public final class PostgresServer: @unchecked Sendable {
    /// The role and password tests connect with (password authentication over TCP).
    public static let user = "tally"
    public static let password = "tally-test"

    public let port: Int
    public let directory: URL
    /// True for a server from `startTLSOnly`: it refuses every connection without TLS.
    public let tlsOnly: Bool
    private let programs: URL
    private let watchdog: ChildProcess
    private let counter = Mutex(0)

    /// The shared server, started on first use; nil when no PostgreSQL binaries are installed.
    public static func shared() async throws -> PostgresServer? {
        try await Starter.shared.server()
    }

    /// A server of the caller's own, for a test that stops and starts it (`halt()`, `resume()`);
    /// nil when no PostgreSQL binaries are installed. The caller stops it when done (the watchdog
    /// does if the test process dies first).
    public static func dedicated() throws -> PostgresServer? {
        guard available, let binaries else { return nil }
        return try PostgresServer(binaries: binaries)
    }

    /// True when PostgreSQL is installed; otherwise prints why the PostgreSQL tests are skipped.
    public static let available: Bool = {
        guard binaries == nil else { return true }
        print("TallyPostgresTests: SKIPPED — no PostgreSQL binaries in /usr/lib/postgresql/*/bin.")
        return false
    }()

    /// How long the shared server's stores under test wait for a pooled connection: on a loaded
    /// two-core machine, a burst of tests creating databases at once has held new connections
    /// past the product's 5 s. Tests of that bound itself keep the store's default.
    public static let connectionWait: Duration = .seconds(30)

    /// A logger for stores under test: warnings and worse only, so migrations do not flood the output.
    public static var storeLogger: Logger {
        var logger = Logger(label: "tally.tests.store")
        logger.logLevel = .warning
        return logger
    }

    /// The directory holding `initdb` and `postgres`, newest version first, or nil.
    static var binaries: URL? {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
            .map { root.appendingPathComponent($0).appendingPathComponent("bin") }
            .first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("postgres").path) }
    }

    /// A certificate and its private key, PEM files, for a server that speaks TLS.
    public struct TLSFiles: Sendable {
        public let certificate: URL
        public let key: URL

        public init(certificate: URL, key: URL) {
            self.certificate = certificate
            self.key = key
        }
    }

    /// Starts a server of its own, apart from the shared one, with `ssl=on`, `files` as its
    /// certificate and key, and a pg_hba.conf that accepts TCP connections only over TLS
    /// (`hostssl`; plain TCP is refused). Nil when no PostgreSQL binaries are installed. The
    /// caller stops it with `stop()`; the watchdog stops it if the test process goes first.
    public static func startTLSOnly(_ files: TLSFiles) throws -> PostgresServer? {
        guard available, let binaries else { return nil }
        return try PostgresServer(binaries: binaries, tls: files)
    }

    /// Starts a hot standby of `primary` (a `dedicated()` server): a base backup taken with
    /// `pg_basebackup -R` (streaming replication over TCP as the tests' role), on a port of its
    /// own on 127.0.0.1. It replays what the primary writes and answers read-only queries. Nil
    /// when no PostgreSQL binaries are installed. The caller stops it with `stop()`.
    /// `applyDelayMilliseconds` holds each transaction back that long before the standby applies
    /// it (`recovery_min_apply_delay`), so a test can tell a read it served from one the primary
    /// served.
    public static func startStandby(of primary: PostgresServer, applyDelayMilliseconds: Int = 0) throws
        -> PostgresServer?
    {
        guard available, let binaries else { return nil }
        return try PostgresServer(
            binaries: binaries, standbyOf: primary, applyDelayMilliseconds: applyDelayMilliseconds)
    }

    /// True for a server from `startStandby`.
    public var isStandby: Bool { standbyOf != nil }
    private let standbyOf: PostgresServer?

    private init(
        binaries: URL, tls: TLSFiles? = nil, standbyOf primary: PostgresServer? = nil, applyDelayMilliseconds: Int = 0
    ) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let asRoot = getuid() == 0
        if asRoot {
            // PostgreSQL refuses to run as root: the server's files belong to the postgres user.
            try Subprocess.run(["chown", "postgres:postgres", directory.path])
        }
        let passwordFile = directory.appendingPathComponent("password")
        try Data(Self.password.utf8).write(to: passwordFile)
        if asRoot { try Subprocess.run(["chown", "postgres:postgres", passwordFile.path]) }
        let data = directory.appendingPathComponent("data").path
        if let primary {
            // initdb's pg_hba.conf lets the role replicate over TCP with its password; -R writes
            // standby.signal and primary_conninfo, so the copy starts as a streaming standby.
            try Subprocess.run(
                Self.asServerUser(asRoot) + [
                    binaries.appendingPathComponent("pg_basebackup").path, "-D", data, "-R", "-X", "stream",
                    "--checkpoint=fast", "--no-sync",
                    "-d", "host=127.0.0.1 port=\(primary.port) user=\(Self.user) password=\(Self.password)",
                ])
            if applyDelayMilliseconds > 0 {
                let settings = URL(fileURLWithPath: data).appendingPathComponent("postgresql.conf")
                let handle = try FileHandle(forWritingTo: settings)
                try handle.seekToEnd()
                try handle.write(contentsOf: Data("\nrecovery_min_apply_delay = '\(applyDelayMilliseconds)ms'\n".utf8))
                try handle.close()
            }
        } else {
            try Subprocess.run(
                Self.asServerUser(asRoot) + [
                    binaries.appendingPathComponent("initdb").path, "-D", data, "-U", Self.user,
                    "--pwfile=\(passwordFile.path)", "--auth-local=trust", "--auth-host=scram-sha-256",
                    "--no-locale", "-E", "UTF8", "--no-sync",
                ])
        }
        if let tls { try Self.configureTLSOnly(data: data, files: tls, asRoot: asRoot) }
        let port = try Subprocess.freePort()
        // Swift Testing runs the suites in parallel, and every test on PostgreSQL holds a pool of
        // its own until it ends: 200 connections ran out once the suite passed 150 tests.
        // The file `halt` asks for a fast shutdown that keeps the data (`halted` says it is done);
        // removing it starts the server again on the same port. `stop` ends everything.
        let script = """
            start() {
                "$PG_BIN/postgres" -D "$PG_DATA" -c listen_addresses=127.0.0.1 -p "$PG_PORT" -c fsync=on \
                    -c unix_socket_directories="$PG_DIR" -c max_connections=600 >>"$PG_DIR/server.log" 2>&1 &
                pg=$!
            }
            start
            alive() { [ -r "/proc/$PG_OWNER/stat" ] && [ "$(cut -d' ' -f3 "/proc/$PG_OWNER/stat")" != Z ]; }
            while alive && [ ! -e "$PG_DIR/stop" ]; do
                if [ -e "$PG_DIR/crash" ]; then
                    if [ -n "$pg" ]; then kill -QUIT "$pg"; wait "$pg"; pg=""; : >"$PG_DIR/halted"; fi
                elif [ -e "$PG_DIR/halt" ]; then
                    if [ -n "$pg" ]; then kill -INT "$pg"; wait "$pg"; pg=""; : >"$PG_DIR/halted"; fi
                elif [ -z "$pg" ]; then
                    rm -f "$PG_DIR/halted"
                    start
                elif ! kill -0 "$pg" 2>/dev/null; then
                    break
                fi
                sleep 0.1
            done
            [ -n "$pg" ] && kill -INT "$pg" 2>/dev/null && wait "$pg"
            rm -rf "$PG_DIR"
            """
        let watchdog = ChildProcess()
        watchdog.executableURL = URL(fileURLWithPath: asRoot ? "/usr/sbin/runuser" : "/bin/sh")
        watchdog.arguments = (asRoot ? ["-u", "postgres", "--", "/bin/sh"] : []) + ["-c", script]
        var environment = ProcessInfo.processInfo.environment
        environment["PG_BIN"] = binaries.path
        environment["PG_DATA"] = data
        environment["PG_PORT"] = String(port)
        environment["PG_DIR"] = directory.path
        environment["PG_OWNER"] = String(getpid())
        watchdog.environment = environment
        // Not the test's own pipes: a runner waits for them to close before it reaps the test
        // process, and the watchdog waits for the test process to be gone.
        watchdog.standardInput = FileHandle.nullDevice
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        watchdog.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        try watchdog.run()
        self.watchdog = watchdog
        self.port = port
        self.directory = directory
        self.tlsOnly = tls != nil
        self.standbyOf = primary
        self.programs = binaries
        try waitUntilReady()
    }

    /// A URL for database `name` on this server.
    public func url(_ name: String) -> String {
        url(name, parameters: "sslmode=disable")
    }

    /// A URL for database `name` on this server, reached as `host`, with the query `parameters`
    /// (such as `sslmode=verify-full&sslrootcert=/path`).
    public func url(_ name: String, host: String = "127.0.0.1", parameters: String) -> String {
        "postgres://\(Self.user):\(Self.password)@\(host):\(port)/\(name)?\(parameters)"
    }

    /// Creates an empty database and returns its URL. Names are made here, never from input.
    public func makeDatabase() async throws -> String {
        url(try await makeDatabaseNamed())
    }

    /// Creates an empty database and returns its name, for a test that writes its own URLs.
    public func makeDatabaseNamed() async throws -> String {
        let name = "tally_\(getpid())_\(counter.withLock { value in value += 1; return value })"
        try await admin { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Self.logger)
        }
        return name
    }

    /// Drops a database made by `makeDatabase` (best effort: the server goes at the end anyway).
    public func dropDatabase(_ url: String) async {
        guard let name = url.split(separator: "/").last?.split(separator: "?").first else { return }
        try? await admin { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: Self.logger)
        }
    }

    /// Stops PostgreSQL (a fast shutdown: sessions are ended, nothing is lost) and returns once it
    /// is gone, with the moment it was gone (written by the watchdog, so a busy caller does not
    /// shift it); the data stays for `resume()`. Only for a `dedicated()` server.
    @discardableResult public func halt() throws -> Date {
        try stop(asking: "halt")
    }

    /// Stops PostgreSQL as a crash would (`pg_ctl stop -m immediate`: SIGQUIT, no checkpoint,
    /// sessions cut) and returns once it is gone; it stays down. Only for a `dedicated()` server.
    @discardableResult public func crash() throws -> Date {
        try stop(asking: "crash")
    }

    /// Asks the watchdog to stop PostgreSQL (it reads the file `request`) and returns the moment
    /// it was gone.
    private func stop(asking request: String) throws -> Date {
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent(request).path, contents: nil)
        let halted = directory.appendingPathComponent("halted").path
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: halted) {
            guard Date() < deadline, watchdog.isRunning else {
                throw PostgresServerFailure(description: "PostgreSQL did not stop")
            }
            usleep(20_000)
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: halted)
        return attributes[.modificationDate] as? Date ?? Date()
    }

    /// Promotes a standby (`pg_promote()`, as `pg_ctl promote` does) and returns once it accepts
    /// writes.
    public func promote() async throws {
        try await admin { connection in
            _ = try await connection.query("SELECT pg_promote(true, 60)", logger: Self.logger).collect()
        }
    }

    /// Makes every commit on this primary wait until a standby has it on disk
    /// (`synchronous_standby_names = '*'`), and returns once a standby streams synchronously.
    public func requireSynchronousStandby() async throws {
        try await requireSynchronousStandby(named: "*")
        let deadline = Date().addingTimeInterval(60)
        while try await scalar("postgres", "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") == 0 {
            guard Date() < deadline else { throw PostgresServerFailure(description: "no synchronous standby") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Makes every commit on this primary wait until the standby `name` has it on disk
    /// (`synchronous_standby_names`), and returns at once: with a name no standby has, every
    /// commit waits for good, after it is on the primary's own disk.
    public func requireSynchronousStandby(named name: String) async throws {
        try await admin { connection in
            _ = try await connection.query(
                PostgresQuery(unsafeSQL: "ALTER SYSTEM SET synchronous_standby_names = '\(name)'"), logger: Self.logger
            ).collect()
            _ = try await connection.query("SELECT pg_reload_conf()", logger: Self.logger).collect()
        }
    }

    /// Starts PostgreSQL again after `halt()`, on the same port and data, and returns once it
    /// accepts connections.
    public func resume() throws {
        try FileManager.default.removeItem(at: directory.appendingPathComponent("halt"))
        let halted = directory.appendingPathComponent("halted").path
        let deadline = Date().addingTimeInterval(60)
        while FileManager.default.fileExists(atPath: halted) {
            guard Date() < deadline, watchdog.isRunning else {
                throw PostgresServerFailure(description: "PostgreSQL did not start again")
            }
            usleep(20_000)
        }
        try waitUntilReady()
    }

    /// Stops the server now and deletes its directory (the watchdog does both).
    public func stop() {
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("stop").path, contents: nil)
        watchdog.waitUntilExit()
    }

    static let logger = Logger(label: "tally.tests.postgres")

    /// The one integer `sql` returns in database `database` (a test reads a server's own
    /// statistics with it). The SQL is the test's own, never input.
    public func scalar(_ database: String, _ sql: String) async throws -> Int {
        var value = 0
        try await admin(database: database) { connection in
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger) {
                value = Int(try row.decode(Int64.self))
            }
        }
        return value
    }

    private func admin(database: String = "postgres", _ body: (PostgresConnection) async throws -> Void) async throws {
        var tls = PostgresConnection.Configuration.TLS.disable
        if tlsOnly {
            // Only the tests' own statements go over this connection: encrypted, unchecked.
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            tls = .require(try NIOSSLContext(configuration: configuration))
        }
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: "127.0.0.1", port: port, username: Self.user, password: Self.password, database: database,
                tls: tls),
            id: 1, logger: Self.logger)
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            guard watchdog.isRunning else { break }
            let probe = ChildProcess()
            probe.executableURL = programs.appendingPathComponent("pg_isready")
            probe.arguments = ["-h", "127.0.0.1", "-p", String(port), "-q"]
            try probe.run()
            probe.waitUntilExit()
            if probe.terminationStatus == 0 { return }
            usleep(100_000)
        }
        let log = (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
        stop()
        throw PostgresServerFailure(description: "PostgreSQL did not start: \(log)")
    }

    /// Puts the certificate and key in the data directory (where `ssl_cert_file` and
    /// `ssl_key_file` look by default), turns `ssl` on, and replaces pg_hba.conf with one that
    /// accepts TCP only over TLS. The key is the server user's, mode 0600, as PostgreSQL demands.
    private static func configureTLSOnly(data: String, files: TLSFiles, asRoot: Bool) throws {
        let directory = URL(fileURLWithPath: data)
        let certificate = directory.appendingPathComponent("server.crt")
        let key = directory.appendingPathComponent("server.key")
        try FileManager.default.copyItem(at: files.certificate, to: certificate)
        try FileManager.default.copyItem(at: files.key, to: key)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key.path)
        let hba = """
            local all all trust
            hostssl all all 127.0.0.1/32 scram-sha-256
            hostssl all all ::1/128 scram-sha-256

            """
        let hbaFile = directory.appendingPathComponent("pg_hba.conf")
        try Data(hba.utf8).write(to: hbaFile)
        if asRoot { try Subprocess.run(["chown", "postgres:postgres", certificate.path, key.path, hbaFile.path]) }
        let settings = directory.appendingPathComponent("postgresql.conf")
        let handle = try FileHandle(forWritingTo: settings)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\nssl = on\n".utf8))
        try handle.close()
    }

    private static func asServerUser(_ asRoot: Bool) -> [String] {
        asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
    }

    /// Starts the shared server once, however many tests ask at the same time.
    private actor Starter {
        static let shared = Starter()
        private var started: PostgresServer?
        private var unavailable = false

        func server() throws -> PostgresServer? {
            if let started { return started }
            if unavailable { return nil }
            guard PostgresServer.available, let binaries = PostgresServer.binaries else {
                unavailable = true
                return nil
            }
            let server = try PostgresServer(binaries: binaries)
            started = server
            // Stop the server when the test process exits normally; the watchdog covers crashes.
            atexit { PostgresServer.stopShared() }
            Self.running.withLock { $0 = server }
            return server
        }

        static let running = Mutex<PostgresServer?>(nil)
    }

    private static func stopShared() {
        Starter.running.withLock { $0 }?.stop()
    }
}

public struct PostgresServerFailure: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}
