import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The part of `Foundation.Process` the tests use, started with `posix_spawn` directly.
///
/// On Linux, `Process.run()` lists `/proc/self/fd` to close every inherited descriptor in the
/// child, and copies each directory entry's whole 256-byte name field while doing so; when an
/// entry ends glibc's read buffer next to an unmapped page, the copy faults and the whole test
/// process dies (swift-corelibs-foundation pull request 5472, not in this toolchain). A test
/// process with hundreds of descriptors open (databases, sockets, pipes) starts hundreds of
/// children, and one CI run died that way. Here the child closes its inherited descriptors with
/// `posix_spawn_file_actions_addclosefrom_np`, which lists nothing.
///
/// As with `Process`, the child starts in a process group of its own and inherits the signal
/// mask of the thread that starts it.
public final class ChildProcess: @unchecked Sendable {
    public var executableURL: URL?
    public var arguments: [String]?
    /// The child's whole environment; nil for this process's.
    public var environment: [String: String]?
    public var currentDirectoryURL: URL?
    /// A `Pipe` (the child gets its reading end), a `FileHandle`, or nil (or
    /// `FileHandle.nullDevice`) for `/dev/null`.
    public var standardInput: Any? = FileHandle.standardInput
    /// A `Pipe` (the child gets its writing end), a `FileHandle`, or nil for `/dev/null`.
    public var standardOutput: Any? = FileHandle.standardOutput
    /// As `standardOutput`.
    public var standardError: Any? = FileHandle.standardError

    private let condition = NSCondition()
    private var pid: pid_t = 0
    private var ended: (status: Int32, reason: Process.TerminationReason)?

    public init() {}

    public var processIdentifier: Int32 { condition.withLock { pid } }

    /// True from `run()` until the child has ended (and been reaped).
    public var isRunning: Bool { condition.withLock { pid > 0 && ended == nil } }

    /// The exit status, or the signal that ended the child; only once it has ended.
    public var terminationStatus: Int32 {
        condition.withLock {
            precondition(ended != nil, "the child is still running")
            return ended!.status
        }
    }

    public var terminationReason: Process.TerminationReason {
        condition.withLock {
            precondition(ended != nil, "the child is still running")
            return ended!.reason
        }
    }

    public func waitUntilExit() {
        condition.lock()
        while ended == nil { condition.wait() }
        condition.unlock()
    }

    public func terminate() { signal(SIGTERM) }

    public func interrupt() { signal(SIGINT) }

    /// Sends `number` to the child while it runs; never to pid 0 (the whole process group) before
    /// `run()`, nor to a pid reused after the child was reaped.
    private func signal(_ number: Int32) {
        condition.withLock {
            guard pid > 0, ended == nil else { return }
            kill(pid, number)
        }
    }

    public func run() throws {
        guard let executable = executableURL?.path else { throw ChildProcessFailure("no executable") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard devNull >= 0 else { throw ChildProcessFailure("cannot open /dev/null") }
        defer { close(devNull) }
        func descriptor(_ value: Any?, childReads: Bool) -> Int32? {
            switch value {
            case let pipe as Pipe:
                return childReads ? pipe.fileHandleForReading.fileDescriptor : pipe.fileHandleForWriting.fileDescriptor
            // `FileHandle.nullDevice` has no descriptor of its own (-1).
            case let handle as FileHandle: return handle.fileDescriptor >= 0 ? handle.fileDescriptor : devNull
            case nil: return devNull
            default: return nil
            }
        }
        for (value, target, childReads) in [
            (standardInput, STDIN_FILENO, true), (standardOutput, STDOUT_FILENO, false),
            (standardError, STDERR_FILENO, false),
        ] {
            guard let source = descriptor(value, childReads: childReads) else { continue }
            try Self.check(posix_spawn_file_actions_adddup2(&actions, source, target), "adddup2")
        }
        try Self.check(Self.addCloseFrom(&actions, 3), "addclosefrom_np")
        if let directory = currentDirectoryURL?.path {
            try Self.check(Self.addChdir(&actions, directory), "addchdir_np")
        }
        try Self.check(posix_spawnattr_setpgroup(&attributes, 0), "setpgroup")
        try Self.check(posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP)), "setflags")

        let argv = ([executable] + (arguments ?? [])).map { strdup($0) } + [nil]
        let environment = self.environment ?? ProcessInfo.processInfo.environment
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw ChildProcessFailure("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        // The child holds its ends of the pipes now; this process keeps only the other ends.
        var closed = Set<ObjectIdentifier>()
        for (value, childReads) in [(standardInput, true), (standardOutput, false), (standardError, false)] {
            guard let pipe = value as? Pipe, closed.insert(ObjectIdentifier(pipe)).inserted else { continue }
            try? (childReads ? pipe.fileHandleForReading : pipe.fileHandleForWriting).close()
        }
        condition.withLock { pid = child }
        let started = child
        let reaper = Thread { [self] in
            var status: Int32 = 0
            while waitpid(started, &status, 0) == -1 && errno == EINTR {}
            let signal = status & 0x7f
            let end: (Int32, Process.TerminationReason) =
                signal == 0 ? ((status >> 8) & 0xff, .exit) : (signal, .uncaughtSignal)
            condition.withLock {
                ended = end
                condition.broadcast()
            }
        }
        reaper.start()
    }

    private static func check(_ code: Int32, _ what: String) throws {
        guard code == 0 else { throw ChildProcessFailure("posix_spawn \(what): \(String(cString: strerror(code)))") }
    }

    // glibc has both since 2.34 and 2.29; Swift's Glibc module does not declare them.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias Chdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>)
        -> Int32

    private static let closeFrom: CloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: CloseFrom.self)
    }
    private static let chdir: Chdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map {
        unsafeBitCast($0, to: Chdir.self)
    }

    private static func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32)
        -> Int32
    {
        guard let closeFrom else { return ENOSYS }
        return closeFrom(actions, from)
    }

    private static func addChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: String) -> Int32 {
        guard let chdir else { return ENOSYS }
        return path.withCString { chdir(actions, $0) }
    }
}

/// A child that could not be started, and why.
public struct ChildProcessFailure: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
