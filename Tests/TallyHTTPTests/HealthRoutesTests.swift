import Foundation
import HTTPTypes
import HummingbirdTesting
import TallyCore
import TallyTestSupport
import Testing

/// `/livez` and `/readyz`: open, and `/readyz` follows the store.
@Suite(.serviceScope) struct HealthRoutesTests {
    @Test(arguments: Backend.all) func livenessAndReadinessAnswerWithoutAKey(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            for path in ["/livez", "/readyz"] {
                let response = try await client.send(.get, path, key: nil)
                #expect(response.status == .ok, "\(path)")
                #expect(try object(response) as NSDictionary == ["status": "ok"], "\(path)")
                #expect(response.headers[requestIDHeader] != nil)
            }
        }
    }

    /// A database file that cannot be written makes the server unready, and writable again, ready.
    ///
    /// Tests run as root here, and root ignores permission bits, so `chmod a-w` would not stop the
    /// store from writing, and it does not stop the check either (rightly: root can still write).
    /// What stops root is the immutable attribute (`chattr +i`, on ext4 and most Linux file
    /// systems): writes fail with EPERM even through descriptors SQLite already holds, as a
    /// file system remounted read-only would fail them. So as root the test makes the database
    /// file and its WAL immutable; as another user it takes their write permission away. (Not the
    /// `-shm` file: SQLite maps it into memory, and a write to an immutable mapping is a SIGBUS
    /// that kills the process, which is not what an operator's read-only database looks like.)
    @Test func aDatabaseThatCannotBeWrittenIsNotReady() async throws {
        let h = try await HTTPHarness.make(.sqlite)
        defer { h.cleanUp() }
        let database = h.directory.appendingPathComponent("tally.sqlite").path
        let files = [database, database + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
        #expect(files.count == 2, "a WAL database has its -wal file while open")
        let asRoot = getuid() == 0
        @Sendable func setWritable(_ writable: Bool) throws {
            for file in files {
                if asRoot {
                    try Subprocess.run(["/usr/bin/chattr", writable ? "-i" : "+i", file])
                } else {
                    try FileManager.default.setAttributes(
                        [.posixPermissions: writable ? 0o644 : 0o444], ofItemAtPath: file)
                }
            }
        }
        try await h.test { client in
            #expect(try await client.send(.get, "/readyz", key: nil).status == .ok)
            try setWritable(false)
            do {
                let response = try await client.send(.get, "/readyz", key: nil)
                let body = try expectFailure(response, .serviceUnavailable, "UNAVAILABLE")
                #expect(body.message == "The database files cannot be written.")
                #expect(!body.message.contains(h.directory.path), "the reason shows no path")
                #expect(response.headers[.retryAfter] == "1")
                // Liveness does not depend on the store.
                #expect(try await client.send(.get, "/livez", key: nil).status == .ok)
                // A write fails as a 503 to retry, never a 500; a read still answers.
                let refused = try await client.patch(
                    h.batchPath, key: h.key, json: #"{"updates":[{"dripId":"\#(h.members[0].id)","amount":1}]}"#)
                try expectFailure(refused, .serviceUnavailable, "UNAVAILABLE")
                #expect(try await client.send(.get, "/api/v1/realms/\(h.realm.id)", key: h.key).status == .ok)
            } catch {
                try setWritable(true)
                throw error
            }
            try setWritable(true)
            #expect(try await client.send(.get, "/readyz", key: nil).status == .ok)
            let batch = try await client.patch(
                h.batchPath, key: h.key, json: #"{"updates":[{"dripId":"\#(h.members[0].id)","amount":1}]}"#)
            #expect(batch.status == .ok, "the store writes again")
            #expect(try await h.balance(0) == 1, "the refused write left nothing behind")
        }
    }
}
