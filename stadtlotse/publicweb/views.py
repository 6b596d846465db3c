from django.http import HttpResponse


def home(request):
    return HttpResponse("Stadtlotse")


def report(request):
    return HttpResponse("form")


def confirmation(request, public_id, token):
    return HttpResponse(public_id)


def ticket(request, public_id):
    return HttpResponse(public_id)


def private(request, public_id, token):
    return HttpResponse(public_id)
