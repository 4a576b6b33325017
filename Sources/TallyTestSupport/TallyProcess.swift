import Foundation

/// Runs the real `tally` binary that `swift build` put beside this test bundle. Shared by the
/// test targets that drive the command line and the server as a user would.
public enum TallyProcess {
    /// The binary: `$TALLY_BINARY`, or `tally` in the directory of the running test bundle.
    public static var binary: URL {
        if let override = ProcessInfo.processInfo.environment["TALLY_BINARY"] { return URL(fileURLWithPath: override) }
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("tally")
    }

    public struct Result {
        public let status: Int32
        public let stdout: String
        public let stderr: String

        /// Each stdout line parsed as a JSON object.
        public var jsonLines: [[String: Any]] {
            stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
    }

    /// Runs `tally arguments…` to completion (bounded by `timeout` seconds), with `environment`
    /// added to this process's, from which every `TALLY_` variable is removed.
    public static func run(
        _ arguments: [String], stdin: String? = nil, directory: URL? = nil, timeout: TimeInterval = 120,
        environment extra: [String: String] = [:]
    ) throws -> Result {
        let process = ChildProcess()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TALLY_") }
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        let stdoutData = OutputCollector(out), stderrData = OutputCollector(err)
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                process.waitUntilExit()
                throw ServerFailure(
                    description: "tally \(arguments.joined(separator: " ")) timed out after \(timeout) s")
            }
            usleep(10_000)
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: stdoutData.finish(), stderr: stderrData.finish())
    }
}

/// Collects everything a pipe delivers, on a background thread.
public final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var done = false

    public init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.withLock { data.append(chunk) }
            }
            lock.withLock { done = true }
        }
        thread.start()
    }

    /// What has arrived so far.
    public var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }

    /// Waits for end of file (bounded), then returns everything.
    public func finish(timeout: TimeInterval = 10) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while !lock.withLock({ done }) && Date() < deadline { usleep(5_000) }
        return text
    }
}

/// A `tally serve` process on 127.0.0.1 and a free port.
public final class ServerProcess: @unchecked Sendable {
    public let process = ChildProcess()
    public let stdout: OutputCollector
    public let stderr: OutputCollector
    public private(set) var port = 0

    /// Starts `tally serve` with `arguments`. With `defaults`, a free port on 127.0.0.1 and
    /// warnings only come first (so the arguments can override them); `environment` is added to
    /// this process's, from which every `TALLY_` variable is removed.
    public init(
        arguments: [String], directory: URL = FileManager.default.temporaryDirectory,
        environment extra: [String: String] = [:], defaults: Bool = true
    ) throws {
        process.executableURL = TallyProcess.binary
        process.arguments =
            ["serve"] + (defaults ? ["--port", "0", "--hostname", "127.0.0.1", "--log-level", "warning"] : [])
            + arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TALLY_") }
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        stdout = OutputCollector(out)
        stderr = OutputCollector(err)
        try process.run()
        try Self.watch(process.processIdentifier)
        port = try waitForPort()
    }

    /// Starts a shell that kills the server if this test process dies first (or is a zombie), so
    /// a crashed test run leaves no server behind. It only sends signals: a child of this process
    /// inherits a signal mask that blocks the ones it would have to receive.
    private static func watch(_ server: Int32) throws {
        let watcher = ChildProcess()
        watcher.executableURL = URL(fileURLWithPath: "/bin/sh")
        watcher.arguments = [
            "-c",
            """
            alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat")" != Z ]; }
            while alive "$OWNER" && alive "$SERVER"; do sleep 0.2; done
            alive "$SERVER" && kill -KILL "$SERVER"
            exit 0
            """,
        ]
        watcher.environment = ["OWNER": String(getpid()), "SERVER": String(server), "PATH": "/usr/bin:/bin"]
        watcher.standardInput = FileHandle.nullDevice
        watcher.standardOutput = FileHandle.nullDevice
        watcher.standardError = FileHandle.nullDevice
        try watcher.run()
    }

    private func waitForPort(timeout: TimeInterval = 60) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            for line in stdout.text.split(separator: "\n") {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    object["event"] as? String == "listening", let url = object["url"] as? String,
                    let port = url.split(separator: ":").last.flatMap({ Int($0) })
                else { continue }
                return port
            }
            if !process.isRunning { break }
            usleep(10_000)
        }
        throw ServerFailure(description: "the server did not start: \(stderr.text)")
    }

    /// Sends `signal` and waits for the process to end.
    public func stop(signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    deinit { stop(signal: SIGKILL) }
}

public struct ServerFailure: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}
