import ArgumentParser
import Foundation
import TallyCore

/// Writes results (JSON on stdout) and messages (stderr), unbuffered so pipes see each line.
enum Output {
    static func json(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        guard var data = try? encoder.encode(value) else { return }
        data.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(data)
    }

    static func jsonLines(_ values: [some Encodable]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        var data = Data()
        for value in values {
            guard let line = try? encoder.encode(value) else { continue }
            data.append(line)
            data.append(UInt8(ascii: "\n"))
            if data.count > 1 << 20 {
                FileHandle.standardOutput.write(data)
                data.removeAll(keepingCapacity: true)
            }
        }
        FileHandle.standardOutput.write(data)
    }

    static func message(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A progress line on stderr: redrawn in place on a terminal, one line per update otherwise.
    static func progress(_ label: String, done: Int, total: Int?) {
        let text = total.map { "\(label): \(done)/\($0)" } ?? "\(label): \(done)"
        if isatty(STDERR_FILENO) != 0 {
            FileHandle.standardError.write(Data(("\r" + text + (done == total ? "\n" : "")).utf8))
        } else {
            message(text)
        }
    }
}

/// Runs a command body, turning errors into a message on stderr (or whatever `report` does with
/// them) and a non-zero exit status.
func runReportingErrors(
    report: (TallyError) -> Void = { Output.message("tally: \($0.message)") }, _ body: () async throws -> Void
) async throws {
    do {
        try await body()
    } catch let error as TallyError {
        report(error)
        throw ExitCodeError.failure
    }
}

/// Exit status 1 without ArgumentParser printing anything more.
enum ExitCodeError {
    static var failure: ExitCode { ExitCode(1) }
}
