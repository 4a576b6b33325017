import ArgumentParser
import Foundation
import TallyCore
import TallyRepresentations

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

    /// Members as JSON lines on stdout, written in pieces of about 1 MiB. An import's members
    /// share a few join times, so each distinct time is formatted once.
    static func memberLines(_ members: [Member]) {
        var out = [UInt8]()
        out.reserveCapacity(1 << 20 + 4096)
        var joined: (milliseconds: Int64, text: String)?
        for member in members {
            let joinedAt: String
            if let joined, joined.milliseconds == member.createdAtMilliseconds {
                joinedAt = joined.text
            } else {
                joinedAt = Timestamp.iso8601(milliseconds: member.createdAtMilliseconds)
                joined = (member.createdAtMilliseconds, joinedAt)
            }
            Representation.MemberBody(member, joinedAt: joinedAt).appendJSONLine(to: &out)
            if out.count >= 1 << 20 {
                FileHandle.standardOutput.write(Data(out))
                out.removeAll(keepingCapacity: true)
            }
        }
        FileHandle.standardOutput.write(Data(out))
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

    /// True when stderr is a terminal, where a person may watch progress.
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// How `progress(_:done:total:unit:since:)` shows its numbers.
    enum ProgressUnit {
        /// Counted things, named (`entries`).
        case count(String)
        /// Bytes, shown in MiB.
        case bytes
    }

    /// A progress line with the rate since `start` and, when the total is known, the time left at
    /// that rate: `copying: 48.0/192.0 MiB (310.5 MiB/s, about 1 s left)`. The rate is shown once
    /// a quarter of a second has passed, before which it says little.
    static func progress(
        _ label: String, done: Int, total: Int?, unit: ProgressUnit, since start: ContinuousClock.Instant
    ) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let rate = seconds >= 0.25 ? Double(done) / seconds : 0
        func amount(_ value: Double) -> String {
            switch unit {
            case .count: String(Int(value))
            case .bytes: String(format: "%.1f", value / 1_048_576)
            }
        }
        let name: String
        switch unit {
        case .count(let things): name = things
        case .bytes: name = "MiB"
        }
        var text = "\(label): \(amount(Double(done)))\(total.map { "/" + amount(Double($0)) } ?? "") \(name)"
        if rate > 0 {
            text += " (\(amount(rate)) \(name)/s"
            if let total, total > done {
                let left = Double(total - done) / rate
                text +=
                    left < 90
                    ? ", about \(Int(left.rounded(.up))) s left" : ", about \(Int((left / 60).rounded(.up))) min left"
            }
            text += ")"
        }
        drawProgress(text, finished: done == total)
    }

    /// Redraws `text` in place on a terminal, clearing the rest of the line (and ending it when
    /// `finished`); elsewhere writes it as a line.
    private static func drawProgress(_ text: String, finished: Bool) {
        if stderrIsTerminal {
            // Clears what a longer line before left behind.
            FileHandle.standardError.write(Data(("\r" + text + "\u{1B}[K" + (finished ? "\n" : "")).utf8))
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
