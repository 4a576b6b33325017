import Hummingbird
import Logging
import NIOCore
import TallyCore
import TallyMetrics

/// Every error becomes the JSON failure body of SPEC section 3, with the request's id, counted
/// by its code. Nothing escapes as a 500; an unexpected error is logged and answered as 503
/// `UNAVAILABLE`. Only `MetricsMiddleware` and `RequestLogMiddleware` run outside it.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = TallyRequestContext
    let metrics: TallyMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: error, request: request, context: context, metrics: metrics)
        }
    }

    /// The JSON failure response for any error, counted in `metrics` by its code.
    static func response(for error: any Error, request: Request, context: Context, metrics: TallyMetrics) -> Response {
        let failure = tallyError(for: error, request: request, context: context)
        metrics.rejected(failure.code)
        return failure.response(context: context)
    }

    /// The failure any error answers.
    static func tallyError(for error: any Error, request: Request, context: Context) -> TallyError {
        switch error {
        case let error as TallyError:
            return error
        case is NIOTooManyBytesError:
            return TallyError(.payloadTooLarge, "The request body is too large.")
        case let error as any HTTPResponseError:
            return translate(error.status, request: request)
        default:
            context.logger.error(
                "unexpected error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return TallyError.unavailable
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
