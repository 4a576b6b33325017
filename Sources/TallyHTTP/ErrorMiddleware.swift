import Hummingbird
import Logging
import NIOCore
import TallyCore

/// The outermost middleware: every error becomes the JSON failure body of SPEC section 3.
/// Nothing escapes as a 500; an unexpected error is logged and answered as 503 `UNAVAILABLE`.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = TallyRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as TallyError {
            return error.response()
        } catch is NIOTooManyBytesError {
            return TallyError(.payloadTooLarge, "The request body is too large.").response()
        } catch let error as any HTTPResponseError {
            return Self.translate(error.status, request: request).response()
        } catch {
            context.logger.error(
                "unexpected error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return TallyError.unavailable.response()
        }
    }

    static func translate(_ status: HTTPResponse.Status, request: Request) -> TallyError {
        switch status {
        case .notFound:
            TallyError(.notFound, "No route matches \(request.method) \(request.uri.path).")
        case .contentTooLarge:
            TallyError(.payloadTooLarge, "The request body is too large.")
        case .methodNotAllowed:
            TallyError(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path).")
        case .unauthorized:
            TallyError(.unauthorized, "An API key is required: send Authorization: Bearer <key>.")
        default:
            TallyError(.validation, "The request is not valid (\(status.code)).")
        }
    }
}
