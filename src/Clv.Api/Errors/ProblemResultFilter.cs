using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Clv.Api.Errors;

/// <summary>
/// Sends the problems that controllers return (<c>ValidationProblem</c>, <c>Problem</c>, MVC's
/// own 400, 404 and 415) through the one problem writer, so that they are completed like the
/// rest and are never refused by content negotiation (a 406 in place of the 400).
/// </summary>
internal sealed class ProblemResultFilter : IAlwaysRunResultFilter
{
    public void OnResultExecuting(ResultExecutingContext context)
    {
        if (context.Result is ObjectResult { Value: ProblemDetails problem } result)
        {
            problem.Status ??= result.StatusCode;
            context.Result = new ProblemResult(problem);
        }
    }

    public void OnResultExecuted(ResultExecutedContext context)
    {
    }

    private sealed class ProblemResult(ProblemDetails problem) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context) =>
            context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>()
                .WriteAsync(new ProblemDetailsContext { HttpContext = context.HttpContext, ProblemDetails = problem })
                .AsTask();
    }
}
