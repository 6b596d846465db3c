from django.http import HttpResponse


def home(request):
    return HttpResponse("backoffice")


def ticket(request, public_id):
    return HttpResponse(public_id)
