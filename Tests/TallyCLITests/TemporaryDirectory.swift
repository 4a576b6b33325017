import Foundation

/// A fresh working directory for one test, removed afterwards.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tally-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var database: String { url.appendingPathComponent("tally.sqlite").path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
